//! `uniffi-bindgen`: generates the Kotlin, Swift and Python bindings of
//! `bindings/uniffi` from its compiled library, e.g.
//! `uniffi-bindgen generate target/debug/libpracticetext_ffi.so -l kotlin -o target/bindings/kotlin`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
