// SPDX-License-Identifier: MIT
/* Colours of the terminal UI: frame palette by name hash, in truecolor, 256, 8 or none. */
#define _GNU_SOURCE
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>

#include "internal.h"
#include "../util/util.h"

enum cmode { CM_NONE, CM_8, CM_256, CM_DIRECT };

static enum cmode mode;
static int npal;      /* frame pairs for user frames, then as many for kernel frames */

/* Warm "hot" colours for user code, cooler ones for the kernel, like flamegraph.pl's. */
static const short pal256_user[] = {196, 202, 208, 214, 220, 166, 172, 178, 203, 209,
				    215, 221, 167, 173, 179, 160};
static const short pal256_kernel[] = {67, 73, 74, 80, 109, 110, 116, 117, 68, 75, 81, 111};
static const short pal8_user[] = {COLOR_RED, COLOR_YELLOW, COLOR_MAGENTA, COLOR_GREEN};
static const short pal8_kernel[] = {COLOR_CYAN, COLOR_BLUE};
#define NDIRECT 48

static bool want_truecolor(void)
{
	const char *ct = getenv("COLORTERM");
	if (!ct || (strcmp(ct, "truecolor") && strcmp(ct, "24bit")))
		return false;
	/* ncurses only speaks direct colour to terminfo entries with the RGB capability */
	return COLORS >= 0x1000000 || tigetflag("RGB") > 0;
}

static int rgb(int r, int g, int b)
{
	return (r << 16) | (g << 8) | b;
}

void color__init(void)
{
	const char *nc = getenv("NO_COLOR");
	mode = CM_NONE;
	if ((nc && *nc) || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	if (want_truecolor() && COLORS >= 0x1000000 && COLOR_PAIRS > 2 * NDIRECT + 16)
		mode = CM_DIRECT;
	else if (COLORS >= 256 && COLOR_PAIRS > 64)
		mode = CM_256;
	else if (COLORS >= 8)
		mode = CM_8;
	else
		return;

	int fg_dark = COLOR_BLACK, fg_light = COLOR_WHITE;
	if (mode == CM_DIRECT) {
		fg_dark = rgb(0, 0, 0);
		fg_light = rgb(255, 255, 255);
	}
	init_extended_pair(ROLE_HEADER, fg_dark, mode == CM_DIRECT ? rgb(230, 140, 40) : mode == CM_256 ? 208 : COLOR_YELLOW);
	init_extended_pair(ROLE_STATUS, fg_light, mode == CM_DIRECT ? rgb(60, 60, 70) : mode == CM_256 ? 238 : COLOR_BLUE);
	init_extended_pair(ROLE_MATCH, fg_light, mode == CM_DIRECT ? rgb(200, 40, 200) : mode == CM_256 ? 165 : COLOR_MAGENTA);
	init_extended_pair(ROLE_BAR, fg_dark, mode == CM_DIRECT ? rgb(230, 120, 30) : mode == CM_256 ? 208 : COLOR_RED);
	init_extended_pair(ROLE_BAR_OFF, fg_dark, mode == CM_DIRECT ? rgb(80, 140, 220) : mode == CM_256 ? 75 : COLOR_BLUE);
	init_extended_pair(ROLE_DIM, mode == CM_DIRECT ? rgb(140, 140, 140) : mode == CM_256 ? 245 : COLOR_WHITE, -1);
	init_extended_pair(ROLE_BAR_WAIT, fg_dark, mode == CM_DIRECT ? rgb(230, 200, 40) : mode == CM_256 ? 220 : COLOR_YELLOW);
	init_extended_pair(ROLE_TAB, fg_light, mode == CM_DIRECT ? rgb(150, 60, 20) : mode == CM_256 ? 130 : COLOR_RED);

	int pair = ROLE_FIRST_FRAME;
	if (mode == CM_DIRECT) {
		npal = NDIRECT;
		for (int i = 0; i < NDIRECT; i++) {
			uint64_t h = util__hash_u64((uint64_t)i + 1);
			int r = 205 + (int)(h % 50), g = (int)((h >> 8) % 190), b = (int)((h >> 16) % 55);
			init_extended_pair(pair + i, fg_dark, rgb(r, g, b));
			int kr = (int)((h >> 24) % 60) + 60, kg = 140 + (int)((h >> 32) % 70);
			init_extended_pair(pair + NDIRECT + i, fg_dark, rgb(kr, kg, 200 + (int)((h >> 40) % 55)));
		}
	} else if (mode == CM_256) {
		npal = (int)ARRAY_SIZE(pal256_user);
		for (int i = 0; i < npal; i++) {
			init_extended_pair(pair + i, fg_dark, pal256_user[i]);
			init_extended_pair(pair + npal + i, fg_dark,
					   pal256_kernel[i % ARRAY_SIZE(pal256_kernel)]);
		}
	} else {
		npal = (int)ARRAY_SIZE(pal8_user);
		for (int i = 0; i < npal; i++) {
			init_extended_pair(pair + i, fg_dark, pal8_user[i]);
			short k = pal8_kernel[i % ARRAY_SIZE(pal8_kernel)];
			init_extended_pair(pair + npal + i, k == COLOR_BLUE ? fg_light : fg_dark, k);
		}
	}
}

bool color__enabled(void)
{
	return mode != CM_NONE;
}

const char *color__mode(void)
{
	static const char *names[] = {"no colour", "8 colours", "256 colours", "truecolor"};
	return names[mode];
}

int color__role(enum color_role r)
{
	if (mode == CM_NONE) {
		switch (r) {
		case ROLE_HEADER:
		case ROLE_STATUS:
		case ROLE_TAB:
			return A_REVERSE;
		case ROLE_MATCH:
			return A_BOLD | A_UNDERLINE;
		case ROLE_BAR:
		case ROLE_BAR_OFF:
		case ROLE_BAR_WAIT:
			return A_REVERSE;
		case ROLE_DIM:
			return A_DIM;
		default:
			return A_NORMAL;
		}
	}
	return COLOR_PAIR(r);
}

int color__frame(const char *name, uint32_t kind)
{
	if (mode == CM_NONE)
		return A_NORMAL;
	uint64_t h = util__hash(name, strlen(name));
	int i = (int)(h % (uint64_t)npal);
	if (kind == FRAME_KERNEL)
		i += npal;
	return COLOR_PAIR(ROLE_FIRST_FRAME + i);
}
