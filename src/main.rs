use std::process::ExitCode;

// Search answers allocate many small buffers on several threads at once; glibc's allocator spent
// an eighth of a busy server's time on them (perf, scripts/bench_search.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    disable_transparent_huge_pages();
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

/// mimalloc asks the kernel for transparent huge pages on its arenas; a 2 MiB page is then resident
/// as soon as one byte of it is touched, so a server whose caches churn through small buffers kept
/// 20 MiB more resident for nothing (`scripts/bench_search.sh`: 87 → 71 MiB at start, 147–151 →
/// 129 MiB after its search loads; throughput within the run-to-run noise).
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of ours;
    // on failure (an old kernel) the process simply keeps huge pages.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
