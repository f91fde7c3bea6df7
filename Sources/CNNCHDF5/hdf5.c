// Reading datasets of HDF5 files with the system's libhdf5, found with dlopen so building nnc needs
// no HDF5 headers or library. hid_t is 64-bit from HDF5 1.10 on; the constants below are
// those of H5Fpublic.h, H5Ppublic.h, H5Spublic.h and H5Tpublic.h (stable across 1.10-1.14):
// declared here, not included.
#include "nnc_hdf5.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t hid_t;
typedef int herr_t;
typedef int htri_t;
typedef unsigned long long hsize_t;

enum { H5F_ACC_RDONLY = 0, H5P_DEFAULT = 0, H5S_ALL = 0, H5E_DEFAULT = 0, H5T_FLOAT = 1, H5O_TYPE_DATASET = 1 };

static struct {
    herr_t (*open)(void);
    herr_t (*eset_auto)(hid_t, void *, void *);
    hid_t (*fopen)(const char *, unsigned, hid_t);
    herr_t (*fclose)(hid_t);
    htri_t (*lexists)(hid_t, const char *, hid_t);
    hid_t (*dopen)(hid_t, const char *, hid_t);
    herr_t (*dclose)(hid_t);
    hid_t (*dget_space)(hid_t);
    hid_t (*dget_type)(hid_t);
    herr_t (*dread)(hid_t, hid_t, hid_t, hid_t, hid_t, void *);
    int (*sget_ndims)(hid_t);
    int (*sget_dims)(hid_t, hsize_t *, hsize_t *);
    herr_t (*sclose)(hid_t);
    int (*tget_class)(hid_t);
    size_t (*tget_size)(hid_t);
    herr_t (*tclose)(hid_t);
    hid_t *native_double;
} h5;
static pthread_once_t h5_once = PTHREAD_ONCE_INIT;

static void load_libhdf5(void) {
    const char *names[] = {"libhdf5_serial.so.103", "libhdf5.so.103",    "libhdf5_serial.so.200",
                           "libhdf5.so.200",        "libhdf5.so.310",    "libhdf5_serial.so",
                           "libhdf5.so",            "libhdf5.dylib",     "libhdf5.310.dylib"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!library) continue;
        *(void **)&h5.open = dlsym(library, "H5open");
        *(void **)&h5.eset_auto = dlsym(library, "H5Eset_auto2");
        *(void **)&h5.fopen = dlsym(library, "H5Fopen");
        *(void **)&h5.fclose = dlsym(library, "H5Fclose");
        *(void **)&h5.lexists = dlsym(library, "H5Lexists");
        *(void **)&h5.dopen = dlsym(library, "H5Dopen2");
        *(void **)&h5.dclose = dlsym(library, "H5Dclose");
        *(void **)&h5.dget_space = dlsym(library, "H5Dget_space");
        *(void **)&h5.dget_type = dlsym(library, "H5Dget_type");
        *(void **)&h5.dread = dlsym(library, "H5Dread");
        *(void **)&h5.sget_ndims = dlsym(library, "H5Sget_simple_extent_ndims");
        *(void **)&h5.sget_dims = dlsym(library, "H5Sget_simple_extent_dims");
        *(void **)&h5.sclose = dlsym(library, "H5Sclose");
        *(void **)&h5.tget_class = dlsym(library, "H5Tget_class");
        *(void **)&h5.tget_size = dlsym(library, "H5Tget_size");
        *(void **)&h5.tclose = dlsym(library, "H5Tclose");
        h5.native_double = (hid_t *)dlsym(library, "H5T_NATIVE_DOUBLE_g");
        if (h5.open && h5.eset_auto && h5.fopen && h5.fclose && h5.lexists && h5.dopen && h5.dclose &&
            h5.dget_space && h5.dget_type && h5.dread && h5.sget_ndims && h5.sget_dims && h5.sclose &&
            h5.tget_class && h5.tget_size && h5.tclose && h5.native_double && h5.open() >= 0) {
            // Missing paths are normal answers here, not messages HDF5 should print on stderr.
            h5.eset_auto(H5E_DEFAULT, NULL, NULL);
            return;
        }
        memset(&h5, 0, sizeof h5);
        dlclose(library);
    }
}

int nnc_hdf5_open(const char *path, int64_t *file, char *error, size_t error_size) {
    pthread_once(&h5_once, load_libhdf5);
    if (!h5.open) {
        snprintf(error, error_size, "HDF5 files are read with libhdf5, which is not installed");
        return 1;
    }
    hid_t id = h5.fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) {
        snprintf(error, error_size, "not an HDF5 file, or it cannot be read");
        return 2;
    }
    *file = id;
    return 0;
}

/// Whether every prefix of `path` names a link (H5Lexists requires the parents to exist).
static int path_exists(hid_t file, const char *path) {
    char prefix[1024];
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof prefix) return 0;
    for (size_t i = 1; i <= length; i++) {
        if (i < length && path[i] != '/') continue;
        memcpy(prefix, path, i);
        prefix[i] = 0;
        if (h5.lexists(file, prefix, H5P_DEFAULT) <= 0) return 0;
    }
    return 1;
}

int nnc_hdf5_read(int64_t file, const char *path, uint64_t max_values, int *rank, uint64_t dims[8],
                  int *element_bytes, double **values, char *error, size_t error_size) {
    *values = NULL;
    *element_bytes = 0;
    if (!path_exists(file, path)) return -1;
    hid_t dataset = h5.dopen(file, path, H5P_DEFAULT);
    if (dataset < 0) return -1;
    int status = 0;
    hid_t type = h5.dget_type(dataset);
    hid_t space = h5.dget_space(dataset);
    int n = space >= 0 ? h5.sget_ndims(space) : -1;
    if (type < 0 || space < 0 || n < 0 || n > 8) {
        snprintf(error, error_size, "its type or shape cannot be read");
        status = 2;
        goto done;
    }
    size_t size = h5.tget_size(type);
    if (h5.tget_class(type) != H5T_FLOAT || (size != 4 && size != 8)) {
        *element_bytes = h5.tget_class(type) == H5T_FLOAT ? (int)size : 0;
        status = 3;
        goto done;
    }
    *element_bytes = (int)size;
    hsize_t extent[8] = {0};
    h5.sget_dims(space, extent, NULL);
    uint64_t count = 1;
    for (int i = 0; i < n; i++) {
        dims[i] = extent[i];
        // Checked before anything is allocated: a small file can declare a huge dataset
        // (HDF5 fills unwritten ones with a fill value).
        if (extent[i] > max_values || (count *= extent[i]) > max_values) {
            snprintf(error, error_size, "it holds more than %llu values, more than a quarter of this machine's memory",
                     (unsigned long long)max_values);
            status = 2;
            goto done;
        }
    }
    *rank = n;
    *values = malloc((count ? count : 1) * sizeof(double));
    if (!*values || h5.dread(dataset, *h5.native_double, H5S_ALL, H5S_ALL, H5P_DEFAULT, *values) < 0) {
        free(*values);
        *values = NULL;
        snprintf(error, error_size, "its values cannot be read");
        status = 2;
    }
done:
    if (space >= 0) h5.sclose(space);
    if (type >= 0) h5.tclose(type);
    h5.dclose(dataset);
    return status;
}

void nnc_hdf5_close(int64_t file) {
    if (h5.fclose) h5.fclose(file);
}
