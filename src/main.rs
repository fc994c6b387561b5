//! The `kordon` command line: scripting and tests over the same core the
//! desktop app uses. `anyhow` lives only here, at the edge; the library's
//! errors carry codes.

mod cli;

/// The import moves every record from a reader thread to the writer thread;
/// glibc's allocator serialises those cross-thread frees on an arena lock,
/// which cost more than parsing. mimalloc frees into the owning thread's heap.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
