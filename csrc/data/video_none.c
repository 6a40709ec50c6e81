/* video_none.c - data/video.h for a miles built without FFmpeg (-DMILES_WITH_FFMPEG=OFF, where
 * FFmpeg's development files cannot be had): no video is read, and each call says why and what to
 * do instead, since the CREMA-D cache it would make is portable and can be prepared elsewhere. */
#include "data/video.h"

#include <stdio.h>

int video_available(void) { return 0; }

ml_status video_middle_frame(const char *path, int side, uint8_t *out, video_info *info, char *err, size_t errlen) {
    (void)side;
    (void)out;
    (void)info;
    snprintf(err, errlen,
             "%s: expected a miles built with FFmpeg to read video, found one built with "
             "-DMILES_WITH_FFMPEG=OFF (prepare the cache with a miles that has FFmpeg: it is portable)",
             path);
    return ML_EDATA;
}
