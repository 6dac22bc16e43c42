/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * QR code image files: PNG through libpng (1-bit greyscale) and SVG (one path of
 * horizontal runs). The image spells the secret, so the file is created 0600 and never
 * through a symlink.
 */
#include "qr.h"
#include "secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <png.h>

/* Our own stdio buffer, so the image data it held can be wiped after fclose. */
static char iobuf[16384];

static FILE *open_image(const char *path, bool force)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = open(path, flags, 0600);
	FILE *f;

	if (fd < 0 && errno == EEXIST && force && unlink(path) == 0)
		fd = open(path, flags, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			say("%s already exists (use --force to replace it)", path);
		else
			say("cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	if (!(f = fdopen(fd, "wb"))) {
		say("cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return NULL;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	return f;
}

/* Flush, sync and close; on any failure remove the half-written file. */
static int finish_image(FILE *f, const char *path, bool ok)
{
	if (ok && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		ok = false;
	if (fclose(f) != 0)
		ok = false;
	otp_wipe(iobuf, sizeof(iobuf));
	if (!ok) {
		say("cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* libpng reports errors by longjmp; say why first. */
static void png_fail(png_structp png, png_const_charp msg)
{
	say("libpng: %s", msg);
	png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* The rows of the image, packed 8 pixels a byte, 0 = black (greyscale, 1 bit). */
static void png_row(const QRcode *q, int y, png_bytep row, size_t rowbytes)
{
	int size = (q->width + 2 * QR_QUIET_IMAGE) * QR_PNG_SCALE;
	int my = y / QR_PNG_SCALE - QR_QUIET_IMAGE;

	memset(row, 0xff, rowbytes);
	for (int x = 0; x < size; x++) {
		int mx = x / QR_PNG_SCALE - QR_QUIET_IMAGE;

		if (mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
		    (q->data[my * q->width + mx] & 1))
			row[x / 8] &= (png_byte) ~(0x80u >> (x % 8));
	}
}

int qr_write_png(const char *path, const QRcode *q, bool force)
{
	png_uint_32 size = (png_uint_32)(q->width + 2 * QR_QUIET_IMAGE) * QR_PNG_SCALE;
	size_t rowbytes = (size + 7) / 8;
	png_structp png = NULL;
	png_infop info = NULL;
	png_bytep volatile row = NULL;
	FILE *f = open_image(path, force);
	bool ok = false;

	if (!f)
		return EXIT_FAIL;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_warn);
	info = png ? png_create_info_struct(png) : NULL;
	row = malloc(rowbytes);
	if (!png || !info || !row) {
		say("out of memory");
		goto out;
	}
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_init_io(png, f);
	png_set_IHDR(png, info, size, size, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (png_uint_32 y = 0; y < size; y++) {
		png_row(q, (int)y, row, rowbytes);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = true;
out:
	if (png)
		png_destroy_write_struct(&png, info ? &info : NULL);
	if (row) {
		otp_wipe(row, rowbytes);
		free(row);
	}
	return finish_image(f, path, ok);
}

int qr_write_svg(const char *path, const QRcode *q, bool force)
{
	int size = q->width + 2 * QR_QUIET_IMAGE;
	FILE *f = open_image(path, force);
	bool ok = true;

	if (!f)
		return EXIT_FAIL;
	/* Units are modules; crispEdges keeps neighbouring runs from leaving hairlines. */
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		   "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n<path fill=\"#000000\" d=\"",
		size * QR_PNG_SCALE, size * QR_PNG_SCALE, size, size, size, size);
	for (int y = 0; y < q->width; y++) {
		for (int x = 0; x < q->width;) {
			int run = 0;

			while (x + run < q->width && (q->data[y * q->width + x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			fprintf(f, "M%d %dh%dv1h-%dz", x + QR_QUIET_IMAGE, y + QR_QUIET_IMAGE, run,
				run);
			x += run;
		}
		fputc('\n', f);
	}
	fputs("\"/>\n</svg>\n", f);
	if (ferror(f))
		ok = false;
	return finish_image(f, path, ok);
}
