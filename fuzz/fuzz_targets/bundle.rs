#![no_main]
// What this target checks: kordon_fuzzing::bundle.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kordon_fuzzing::run("bundle", data));
