use std::process::ExitCode;

// Search answers allocate many small buffers on several threads at once; glibc's allocator spent
// an eighth of a busy server's time on them (perf, scripts/bench_search.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
