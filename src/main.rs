use std::process::ExitCode;

fn main() -> ExitCode {
    fupin_catalog::telemetry::init();
    match fupin_catalog::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line, not a backtrace: the causes are joined after the message.
            eprintln!("fupin: 错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}
