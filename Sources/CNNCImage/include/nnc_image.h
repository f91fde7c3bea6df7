#ifndef NNC_IMAGE_H
#define NNC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/// Decodes a PNG file held in memory with the system's libpng, loaded at run time (nnc builds
/// without it). `channels` picks the output: 1 gray, 3 RGB, 4 RGBA; libpng converts any PNG
/// (palette, 16-bit, gray+alpha, interlaced) to 8-bit samples of that layout, row-major.
/// On success returns 0 with `*pixels` (width × height × channels bytes, free() it),
/// `*width` and `*height`; images over `max_pixels` are refused before their pixels are read.
/// On failure returns non-zero, with the reason in `error` (NUL-terminated, at most
/// `error_size` bytes): 1 libpng is not installed, 2 the file is not a valid PNG, 3 too large.
int nnc_png_decode(const void *data, size_t size, int channels, uint64_t max_pixels, uint8_t **pixels,
                   uint32_t *width, uint32_t *height, char *error, size_t error_size);

/// Encodes `width` × `height` 8-bit pixels of `channels` (1 gray, 3 RGB, 4 RGBA), row-major,
/// as a PNG file with libpng (loaded at run time). On success returns 0 with `*png` (`*size`
/// bytes, free() it); on failure non-zero with the reason in `error`: 1 libpng is not installed,
/// 2 libpng refused the image.
int nnc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, uint8_t **png, size_t *size,
                   char *error, size_t error_size);

/// Decodes a baseline or progressive JPEG file held in memory with the system's TurboJPEG
/// library (libjpeg-turbo's libturbojpeg), loaded at run time; the same contract as
/// `nnc_png_decode` (4 channels give RGB with alpha 255). Accurate integer DCT and fancy
/// upsampling: libjpeg's defaults, as Pillow decodes.
int nnc_jpeg_decode(const void *data, size_t size, int channels, uint64_t max_pixels, uint8_t **pixels,
                    uint32_t *width, uint32_t *height, char *error, size_t error_size);

#endif
