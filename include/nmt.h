/* nmt.c public API.
 *
 * Versioning: NMT_VERSION follows semantic versioning for this API and the
 * command line; NMT_FORMAT_VERSION (src/models/model.h, docs/FORMAT.md) is the
 * model file's format version. A file of format version N loads in every later
 * nmt; a file newer than this build is refused with a message naming both. */
#ifndef NMT_H
#define NMT_H

#define NMT_VERSION_MAJOR 0
#define NMT_VERSION_MINOR 4
#define NMT_VERSION_PATCH 0
#define NMT_VERSION "0.4.0"

#include "core/error.h"
#include "models/model.h"
#include "text/text.h"

/* Sets the worker threads for OpenMP and the BLAS. Results do not depend on it. */
void nmt_set_threads(int n);
int nmt_get_threads(void);
/* Sets the floating-point mode of the calling thread and of the OpenMP threads
 * (denormals flushed to zero). Called by nmt_set_threads, the trainer and the
 * translator; call it again after changing the OpenMP thread count yourself. */
void nmt_numerics_init(void);

/* A one-line description of the build: version, GEMM backend, compiler, OpenMP. */
const char *nmt_build_info(void);
#endif
