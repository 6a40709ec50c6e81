/* video.h - one frame of a video file as an RGB image: CREMA-D's visual input ("one frame from
 * each clip", the MILES paper), read with libavformat / libavcodec / libswscale.
 *
 * Which frame: the middle one, index floor(P / 2) of the P packets of the file's best video
 * stream (every payload FLV carries, Sorenson H.263, VP6 and H.264, puts one frame in a
 * packet). OGM-GE in effect takes the first (its loader draws a frame index it does not use);
 * the middle is the one a real clip's expression is most developed in, and the first frame of a
 * CREMA-D clip is often the actor's neutral onset. The codec, size and frame rate come from the
 * file (reported in video_info), never assumed.
 *
 * The frame is converted and resized in one libswscale call (SWS_BILINEAR, the ffmpeg program's
 * default scaler) to RGB24 SIDE x SIDE, squashing the aspect ratio as OGM-GE's evaluation
 * Resize((224, 224)) does, and stored channel-first: out[c * SIDE * SIDE + y * SIDE + x].
 *
 * Not a video, with a message saying what instead: a missing or empty file, a git-lfs pointer
 * (the text an incomplete clone holds: OGM-GE's ZeroDivisionError, spec section 2.1), a file
 * libavformat cannot open or that has no video stream, a truncated file (a read error or
 * corrupt packet before the end, or packets covering less than 80% of the duration the header
 * declares), or a stream the decoder rejects (decoding errors are fatal: AV_EF_EXPLODE).
 * Each call opens its own contexts (one decoder thread), so calls on several threads are safe.
 */
#ifndef MILES_DATA_VIDEO_H
#define MILES_DATA_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct {
    char codec[32];    /* the decoder's name, e.g. "flv" */
    int width, height; /* coded frame size */
    double fps;        /* the stream's average frame rate, 0 when the file does not say */
    int64_t packets;   /* video packets in the file */
    int64_t index;     /* the frame taken: packets / 2 */
} video_info;

/* ML_OK with the frame in out[3 * side * side] and *info filled (info may be NULL); ML_EDATA
 * (not a video, see above) or ML_ERUNTIME (out of memory) with "PATH: expected ..., found ..."
 * in err. side is 8..4096. */
ml_status video_middle_frame(const char *path, int side, uint8_t *out, video_info *info, char *err, size_t errlen);

/* 1 when this miles reads video (built with FFmpeg), else 0: video_middle_frame then fails with
 * ML_EDATA saying so (data/video_none.c, -DMILES_WITH_FFMPEG=OFF). */
int video_available(void);

#endif
