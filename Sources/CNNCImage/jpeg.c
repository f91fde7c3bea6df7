// JPEG decoding through libjpeg-turbo's TurboJPEG API (libturbojpeg, 2.x and 3.x both keep the
// functions used here), found with dlopen so building nnc needs no JPEG headers or library.
// The prototypes and constants below are TurboJPEG's stable ABI (turbojpeg.h): declared here.
#include "nnc_image.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TJPF_RGB = 0, TJPF_GRAY = 6, TJPF_RGBA = 7, TJFLAG_ACCURATEDCT = 4096 };

typedef void *(*init_fn)(void);
typedef int (*header_fn)(void *, const unsigned char *, unsigned long, int *, int *, int *, int *);
typedef int (*decompress_fn)(void *, const unsigned char *, unsigned long, unsigned char *, int, int, int, int,
                             int);
typedef int (*destroy_fn)(void *);
typedef char *(*error_fn)(void *);

static struct {
    init_fn init;
    header_fn header;
    decompress_fn decompress;
    destroy_fn destroy;
    error_fn error;
} turbojpeg;
static pthread_once_t turbojpeg_once = PTHREAD_ONCE_INIT;

static void load_turbojpeg(void) {
    const char *names[] = {"libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "libturbojpeg.dylib"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!library) continue;
        turbojpeg.init = (init_fn)dlsym(library, "tjInitDecompress");
        turbojpeg.header = (header_fn)dlsym(library, "tjDecompressHeader3");
        turbojpeg.decompress = (decompress_fn)dlsym(library, "tjDecompress2");
        turbojpeg.destroy = (destroy_fn)dlsym(library, "tjDestroy");
        turbojpeg.error = (error_fn)dlsym(library, "tjGetErrorStr2");
        if (turbojpeg.init && turbojpeg.header && turbojpeg.decompress && turbojpeg.destroy && turbojpeg.error)
            return;
        memset(&turbojpeg, 0, sizeof turbojpeg);
        dlclose(library);
    }
}

int nnc_jpeg_decode(const void *data, size_t size, int channels, uint64_t max_pixels, uint8_t **pixels,
                    uint32_t *width, uint32_t *height, char *error, size_t error_size) {
    *pixels = NULL;
    pthread_once(&turbojpeg_once, load_turbojpeg);
    if (!turbojpeg.init) {
        snprintf(error, error_size, "JPEG files are decoded with libjpeg-turbo's TurboJPEG library, which is not installed");
        return 1;
    }
    void *handle = turbojpeg.init();
    if (!handle) {
        snprintf(error, error_size, "TurboJPEG could not start");
        return 1;
    }
    int w = 0, h = 0, subsampling = 0, colorspace = 0;
    if (turbojpeg.header(handle, data, (unsigned long)size, &w, &h, &subsampling, &colorspace) != 0 || w <= 0 ||
        h <= 0) {
        snprintf(error, error_size, "not a valid JPEG file: %s", turbojpeg.error(handle));
        turbojpeg.destroy(handle);
        return 2;
    }
    if ((uint64_t)w * (uint64_t)h > max_pixels) {
        snprintf(error, error_size, "the image is %d×%d pixels, more than the %llu nnc decodes", w, h,
                 (unsigned long long)max_pixels);
        turbojpeg.destroy(handle);
        return 3;
    }
    int format = channels == 1 ? TJPF_GRAY : channels == 3 ? TJPF_RGB : TJPF_RGBA;
    uint8_t *buffer = calloc((size_t)w * (size_t)h * (size_t)channels, 1);
    if (!buffer) {
        snprintf(error, error_size, "out of memory for a %d×%d image", w, h);
        turbojpeg.destroy(handle);
        return 3;
    }
    if (turbojpeg.decompress(handle, data, (unsigned long)size, buffer, w, 0, h, format, TJFLAG_ACCURATEDCT) != 0) {
        snprintf(error, error_size, "not a valid JPEG file: %s", turbojpeg.error(handle));
        free(buffer);
        turbojpeg.destroy(handle);
        return 2;
    }
    turbojpeg.destroy(handle);
    *pixels = buffer;
    *width = (uint32_t)w;
    *height = (uint32_t)h;
    return 0;
}
