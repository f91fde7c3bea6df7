#ifndef NNC_HDF5_H
#define NNC_HDF5_H

#include <stddef.h>
#include <stdint.h>

/// Opens an HDF5 file read-only with the system's libhdf5 (Debian's libhdf5-103-1, the 1.10
/// series, or a later one), loaded at run time: nnc builds without it. On success returns 0
/// with `*file`, a handle for `nnc_hdf5_read` and `nnc_hdf5_close`. On failure returns non-zero
/// with the reason in `error` (NUL-terminated, at most `error_size` bytes): 1 libhdf5 is not
/// installed, 2 the file is not HDF5 or cannot be read.
int nnc_hdf5_open(const char *path, int64_t *file, char *error, size_t error_size);

/// Reads the dataset at `path` (e.g. "layers/dense/vars/0") of an open file as doubles, HDF5
/// converting from the stored floats. Returns 0 with `*rank` (at most 8), `dims`, `*element_bytes`
/// (the stored float's size) and `*values` (the product of dims, free() it); -1 when there
/// is no dataset at `path`; 3 when its elements are not floats (`*element_bytes` then 0) or
/// are floats other than 32- or 64-bit; 2 when it cannot be read or holds more than
/// `max_values` values (refused before allocating), with the reason in `error`.
int nnc_hdf5_read(int64_t file, const char *path, uint64_t max_values, int *rank, uint64_t dims[8],
                  int *element_bytes, double **values,
                  char *error, size_t error_size);

/// Closes a file `nnc_hdf5_open` opened.
void nnc_hdf5_close(int64_t file);

#endif
