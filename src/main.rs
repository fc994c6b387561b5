//! The `kordon` command line: scripting and tests over the same core the
//! desktop app uses. `anyhow` lives only here, at the edge; the library's
//! errors carry codes.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
