// Open MPI 4's C ABI, found with dlopen so building nnc needs no MPI: its handles (MPI_Comm,
// MPI_Datatype, MPI_Request, MPI_Errhandler) are pointers, and the predefined ones are the
// addresses of globals (ompi_mpi_comm_world, ompi_mpi_float, …), found with dlsym. Declared
// here from mpi.h, not included.
//
// Every collective is built from non-blocking point-to-point messages and completed by
// polling, so that (1) the order of every sum is fixed by nnc, not by MPI's algorithms, and
// (2) a peer that died or stopped answering is noticed after `timeout` seconds, never waited
// for forever.
#include "nnc_mpi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *MPI_Comm;
typedef void *MPI_Datatype;
typedef void *MPI_Request;
typedef void *MPI_Errhandler;

enum { NNC_MPI_THREAD_SERIALIZED = 2, NNC_TAG_SCATTER = 7001, NNC_TAG_GATHER = 7002, NNC_TAG_ALL = 7003 };

static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(MPI_Comm, int *);
    int (*comm_size)(MPI_Comm, int *);
    int (*comm_set_errhandler)(MPI_Comm, MPI_Errhandler);
    int (*isend)(const void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request *);
    int (*irecv)(void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request *);
    int (*test)(MPI_Request *, int *, void *);
    int (*error_string)(int, char *, int *);
    int (*finalize)(void);
    MPI_Comm world;
    MPI_Datatype byte_type;
    MPI_Datatype float_type;
    MPI_Errhandler errors_return;
    int rank;
    int size;
} mpi;

static void *load(void) {
    const char *names[] = {"libmpi.so.40", "libmpi.so", "libmpi.40.dylib", "libmpi.dylib"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (library) return library;
    }
    return NULL;
}

int nnc_mpi_init(int *rank, int *size, char *error, size_t error_size) {
    void *library = load();
    if (!library) {
        snprintf(error, error_size, "Open MPI's library (libmpi.so.40) is not installed: %s", dlerror());
        return 1;
    }
    mpi.init_thread = (int (*)(int *, char ***, int, int *))dlsym(library, "MPI_Init_thread");
    mpi.comm_rank = (int (*)(MPI_Comm, int *))dlsym(library, "MPI_Comm_rank");
    mpi.comm_size = (int (*)(MPI_Comm, int *))dlsym(library, "MPI_Comm_size");
    mpi.comm_set_errhandler = (int (*)(MPI_Comm, MPI_Errhandler))dlsym(library, "MPI_Comm_set_errhandler");
    mpi.isend = (int (*)(const void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request *))dlsym(library, "MPI_Isend");
    mpi.irecv = (int (*)(void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request *))dlsym(library, "MPI_Irecv");
    mpi.test = (int (*)(MPI_Request *, int *, void *))dlsym(library, "MPI_Test");
    mpi.error_string = (int (*)(int, char *, int *))dlsym(library, "MPI_Error_string");
    mpi.finalize = (int (*)(void))dlsym(library, "MPI_Finalize");
    mpi.world = dlsym(library, "ompi_mpi_comm_world");
    mpi.byte_type = dlsym(library, "ompi_mpi_byte");
    mpi.float_type = dlsym(library, "ompi_mpi_float");
    mpi.errors_return = dlsym(library, "ompi_mpi_errors_return");
    if (!mpi.init_thread || !mpi.comm_rank || !mpi.comm_size || !mpi.comm_set_errhandler || !mpi.isend ||
        !mpi.irecv || !mpi.test || !mpi.error_string || !mpi.finalize || !mpi.world || !mpi.byte_type ||
        !mpi.float_type || !mpi.errors_return) {
        snprintf(error, error_size, "the MPI library found is not Open MPI 4 (a symbol nnc uses is missing)");
        return 2;
    }
    int provided = 0;
    int code = mpi.init_thread(NULL, NULL, NNC_MPI_THREAD_SERIALIZED, &provided);
    if (code != 0) {
        snprintf(error, error_size, "MPI_Init_thread failed with code %d", code);
        return 3;
    }
    mpi.comm_set_errhandler(mpi.world, mpi.errors_return);
    mpi.comm_rank(mpi.world, &mpi.rank);
    mpi.comm_size(mpi.world, &mpi.size);
    *rank = mpi.rank;
    *size = mpi.size;
    return 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void describe(int code, const char *what, char *error, size_t error_size) {
    char text[512];
    int length = 0;
    if (mpi.error_string(code, text, &length) != 0) snprintf(text, sizeof text, "code %d", code);
    snprintf(error, error_size, "%s failed: %s", what, text);
}

/// Waits for `count` requests (each with its peer) by polling, at most `timeout` seconds
/// from `start`. Spins first, then sleeps 50 µs between polls.
static int wait_all(MPI_Request *requests, const int *peers, int count, double start, double timeout,
                    const char *what, char *error, size_t error_size) {
    int remaining = count;
    char done[count > 0 ? count : 1];
    memset(done, 0, sizeof done);
    for (long polls = 0; remaining > 0; polls++) {
        for (int i = 0; i < count; i++) {
            if (done[i]) continue;
            int flag = 0;
            int code = mpi.test(&requests[i], &flag, NULL);
            if (code != 0) {
                describe(code, what, error, error_size);
                return 4;
            }
            if (flag) {
                done[i] = 1;
                remaining--;
            }
        }
        if (remaining == 0) break;
        if (now() - start > timeout) {
            char waiting[256] = "";
            size_t used = 0;
            for (int i = 0; i < count && used + 16 < sizeof waiting; i++) {
                if (done[i]) continue;
                int seen = 0;
                for (int j = 0; j < i; j++) seen |= !done[j] && peers[j] == peers[i];
                if (!seen) used += (size_t)snprintf(waiting + used, sizeof waiting - used, "%s%d", used ? ", " : "", peers[i]);
            }
            snprintf(error, error_size, "%s: rank %d had no answer from rank %s within %g s", what, mpi.rank, waiting,
                     timeout);
            return 5;
        }
        if (polls > 2000) {
            struct timespec pause = {0, 50000};
            nanosleep(&pause, NULL);
        }
    }
    return 0;
}

int nnc_mpi_allgather(const void *mine, size_t bytes, void *all, double timeout, char *error, size_t error_size) {
    int n = mpi.size;
    MPI_Request requests[2 * n];
    int peers[2 * n];
    int count = 0;
    double start = now();
    memcpy((char *)all + (size_t)mpi.rank * bytes, mine, bytes);
    for (int peer = 0; peer < n; peer++) {
        if (peer == mpi.rank) continue;
        int code = mpi.irecv((char *)all + (size_t)peer * bytes, (int)bytes, mpi.byte_type, peer, NNC_TAG_ALL,
                             mpi.world, &requests[count]);
        if (code != 0) return describe(code, "MPI_Irecv", error, error_size), 4;
        peers[count++] = peer;
        code = mpi.isend(mine, (int)bytes, mpi.byte_type, peer, NNC_TAG_ALL, mpi.world, &requests[count]);
        if (code != 0) return describe(code, "MPI_Isend", error, error_size), 4;
        peers[count++] = peer;
    }
    return wait_all(requests, peers, count, start, timeout, "an all-gather", error, error_size);
}

int nnc_mpi_allreduce_weighted(float *data, size_t count, const float *weights, float *scratch, double timeout,
                               char *error, size_t error_size) {
    int n = mpi.size;
    int me = mpi.rank;
    size_t chunk = (count + (size_t)n - 1) / (size_t)n;
    size_t begin[n], length[n];
    for (int r = 0; r < n; r++) {
        size_t b = (size_t)r * chunk;
        begin[r] = b < count ? b : count;
        size_t e = b + chunk < count ? b + chunk : count;
        length[r] = e > begin[r] ? e - begin[r] : 0;
    }
    MPI_Request requests[2 * n];
    int peers[2 * n];
    int used = 0;
    double start = now();
    // Reduce-scatter: each rank's part of chunk `me` arrives in scratch[peer × chunk …].
    memcpy(scratch + (size_t)me * chunk, data + begin[me], length[me] * sizeof(float));
    for (int peer = 0; peer < n; peer++) {
        if (peer == me) continue;
        int code = mpi.irecv(scratch + (size_t)peer * chunk, (int)length[me], mpi.float_type, peer, NNC_TAG_SCATTER,
                             mpi.world, &requests[used]);
        if (code != 0) return describe(code, "MPI_Irecv", error, error_size), 4;
        peers[used++] = peer;
        code = mpi.isend(data + begin[peer], (int)length[peer], mpi.float_type, peer, NNC_TAG_SCATTER, mpi.world,
                         &requests[used]);
        if (code != 0) return describe(code, "MPI_Isend", error, error_size), 4;
        peers[used++] = peer;
    }
    int status = wait_all(requests, peers, used, start, timeout, "a gradient all-reduce", error, error_size);
    if (status != 0) return status;
    // The sum in rank order, one rounding per operation (separate statements: no fused multiply-add).
    float *own = data + begin[me];
    for (size_t i = 0; i < length[me]; i++) {
        float sum = weights[0] * scratch[i];
        for (int r = 1; r < n; r++) {
            float term = weights[r] * scratch[(size_t)r * chunk + i];
            sum = sum + term;
        }
        own[i] = sum;
    }
    // All-gather: every rank's summed chunk to every rank.
    used = 0;
    for (int peer = 0; peer < n; peer++) {
        if (peer == me) continue;
        int code = mpi.irecv(data + begin[peer], (int)length[peer], mpi.float_type, peer, NNC_TAG_GATHER, mpi.world,
                             &requests[used]);
        if (code != 0) return describe(code, "MPI_Irecv", error, error_size), 4;
        peers[used++] = peer;
        code = mpi.isend(own, (int)length[me], mpi.float_type, peer, NNC_TAG_GATHER, mpi.world, &requests[used]);
        if (code != 0) return describe(code, "MPI_Isend", error, error_size), 4;
        peers[used++] = peer;
    }
    return wait_all(requests, peers, used, now(), timeout, "a gradient all-reduce", error, error_size);
}

void nnc_mpi_finalize(void) {
    if (mpi.finalize) mpi.finalize();
}
