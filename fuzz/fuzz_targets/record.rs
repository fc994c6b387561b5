#![no_main]
// What this target checks: kordon_fuzzing::record.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kordon_fuzzing::run("record", data));
