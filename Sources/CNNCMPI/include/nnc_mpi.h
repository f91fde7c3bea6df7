// Open MPI, loaded at run time (dlopen): building nnc needs no MPI headers or library.
// Only the point-to-point calls are used, so that every collective's order is nnc's own.
#ifndef NNC_MPI_H
#define NNC_MPI_H

#include <stddef.h>
#include <stdint.h>

/// Loads libmpi (RTLD_NOW | RTLD_GLOBAL: Open MPI's plugins resolve its symbols), calls
/// MPI_Init_thread asking for MPI_THREAD_SERIALIZED and returns 0 with this process's rank and
/// the world's size; otherwise an error message and a nonzero code.
int nnc_mpi_init(int *rank, int *size, char *error, size_t error_size);

/// Every rank's `bytes` bytes, in rank order, into `all` (size × bytes). Waits at most
/// `timeout` seconds for the other ranks; 0 on success, otherwise a message.
int nnc_mpi_allgather(const void *mine, size_t bytes, void *all, double timeout, char *error, size_t error_size);

/// Replaces `data` (`count` floats, the same count on every rank) with Σ_r weights[r]·data_r,
/// summed in rank order 0…N−1 on the rank that owns each chunk (a reduce-scatter), then
/// sent to every rank (an all-gather): every rank gets the same bits, every run. `scratch`
/// holds at least size × ceil(count / size) floats. Waits at most `timeout` seconds.
int nnc_mpi_allreduce_weighted(float *data, size_t count, const float *weights, float *scratch, double timeout,
                               char *error, size_t error_size);

/// MPI_Finalize, after the last collective of a run that ended normally.
void nnc_mpi_finalize(void);

#endif
