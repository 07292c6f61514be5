#ifndef DISTILLERY_CSODIUM_SHIM_H
#define DISTILLERY_CSODIUM_SHIM_H
#include <sodium.h>

/*
 * No wrappers are needed so far: libsodium has no variadic functions, and every
 * size or limit the Swift side uses is also exported as a plain function
 * (crypto_aead_xchacha20poly1305_ietf_npubbytes(), crypto_pwhash_strbytes(),
 * sodium_base64_encoded_len(), ...), which Swift imports reliably. Its macros are
 * chains of other macros with unsigned suffixes, which Swift imports unevenly,
 * so the Swift code deliberately calls the functions rather than the macros.
 * If a function-like macro is ever needed, wrap it here as a typed static inline.
 */

#endif
