#ifndef MAILFERRY_CCRYPTO_SHIM_H
#define MAILFERRY_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#endif
