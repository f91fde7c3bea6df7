// PNG decoding and encoding through libpng's simplified API (png_image, libpng ≥ 1.6.26), found with dlopen so
// building nnc needs no libpng headers or library. The png_image layout and the format codes
// below are libpng's stable ABI for PNG_IMAGE_VERSION 1 (png.h): declared here, not included.
#include "nnc_image.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    void *opaque;
    uint32_t version;
    uint32_t width;
    uint32_t height;
    uint32_t format;
    uint32_t flags;
    uint32_t colormap_entries;
    uint32_t warning_or_error;
    char message[64];
} nnc_png_image;

enum { NNC_PNG_IMAGE_VERSION = 1, NNC_PNG_FORMAT_FLAG_ALPHA = 1, NNC_PNG_FORMAT_FLAG_COLOR = 2 };

typedef int (*begin_read_fn)(nnc_png_image *, const void *, size_t);
typedef int (*finish_read_fn)(nnc_png_image *, const void *, void *, int32_t, void *);
typedef void (*free_fn)(nnc_png_image *);
typedef int (*write_fn)(nnc_png_image *, void *, size_t *, int, const void *, int32_t, const void *);

static struct {
    begin_read_fn begin_read;
    finish_read_fn finish_read;
    free_fn free_image;
    write_fn write_to_memory;
} libpng;
static pthread_once_t libpng_once = PTHREAD_ONCE_INIT;

static void load_libpng(void) {
    const char *names[] = {"libpng16.so.16", "libpng16.so", "libpng.so", "libpng16.16.dylib", "libpng.dylib"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!library) continue;
        libpng.begin_read = (begin_read_fn)dlsym(library, "png_image_begin_read_from_memory");
        libpng.finish_read = (finish_read_fn)dlsym(library, "png_image_finish_read");
        libpng.free_image = (free_fn)dlsym(library, "png_image_free");
        libpng.write_to_memory = (write_fn)dlsym(library, "png_image_write_to_memory");
        if (libpng.begin_read && libpng.finish_read && libpng.free_image && libpng.write_to_memory) return;
        memset(&libpng, 0, sizeof libpng);
        dlclose(library);
    }
}

static uint32_t png_format(int channels) {
    return channels == 1   ? 0
           : channels == 3 ? NNC_PNG_FORMAT_FLAG_COLOR
                           : NNC_PNG_FORMAT_FLAG_COLOR | NNC_PNG_FORMAT_FLAG_ALPHA;
}

int nnc_png_decode(const void *data, size_t size, int channels, uint64_t max_pixels, uint8_t **pixels,
                   uint32_t *width, uint32_t *height, char *error, size_t error_size) {
    *pixels = NULL;
    pthread_once(&libpng_once, load_libpng);
    if (!libpng.begin_read) {
        snprintf(error, error_size, "PNG files are decoded with libpng 1.6, which is not installed");
        return 1;
    }
    nnc_png_image image;
    memset(&image, 0, sizeof image);
    image.version = NNC_PNG_IMAGE_VERSION;
    if (!libpng.begin_read(&image, data, size)) {
        snprintf(error, error_size, "not a valid PNG file: %s", image.message);
        libpng.free_image(&image);
        return 2;
    }
    if ((uint64_t)image.width * image.height > max_pixels) {
        snprintf(error, error_size, "the image is %u×%u pixels, more than the %llu nnc decodes", image.width,
                 image.height, (unsigned long long)max_pixels);
        libpng.free_image(&image);
        return 3;
    }
    image.format = png_format(channels);
    size_t bytes = (size_t)image.width * image.height * (size_t)channels;
    // Zeroed: a dropped alpha channel is composed onto the buffer, so onto black.
    uint8_t *buffer = calloc(bytes ? bytes : 1, 1);
    if (!buffer) {
        snprintf(error, error_size, "out of memory for a %u×%u image", image.width, image.height);
        libpng.free_image(&image);
        return 3;
    }
    if (!libpng.finish_read(&image, NULL, buffer, 0, NULL)) {
        snprintf(error, error_size, "not a valid PNG file: %s", image.message);
        free(buffer);
        libpng.free_image(&image);
        return 2;
    }
    *pixels = buffer;
    *width = image.width;
    *height = image.height;
    return 0;
}


int nnc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, uint8_t **png, size_t *size,
                   char *error, size_t error_size) {
    *png = NULL;
    *size = 0;
    pthread_once(&libpng_once, load_libpng);
    if (!libpng.write_to_memory) {
        snprintf(error, error_size, "PNG files are written with libpng 1.6, which is not installed");
        return 1;
    }
    nnc_png_image image;
    memset(&image, 0, sizeof image);
    image.version = NNC_PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = png_format(channels);
    // First the size libpng needs, then the file into a buffer of that size.
    size_t needed = 0;
    if (!libpng.write_to_memory(&image, NULL, &needed, 0, pixels, 0, NULL) || needed == 0) {
        snprintf(error, error_size, "libpng cannot write the image: %s", image.message);
        libpng.free_image(&image);
        return 2;
    }
    uint8_t *buffer = malloc(needed);
    if (!buffer) {
        snprintf(error, error_size, "out of memory for a %u×%u PNG file", width, height);
        libpng.free_image(&image);
        return 2;
    }
    if (!libpng.write_to_memory(&image, buffer, &needed, 0, pixels, 0, NULL)) {
        snprintf(error, error_size, "libpng cannot write the image: %s", image.message);
        free(buffer);
        libpng.free_image(&image);
        return 2;
    }
    *png = buffer;
    *size = needed;
    return 0;
}
