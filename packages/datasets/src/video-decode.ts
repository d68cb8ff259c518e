import { spawn } from 'node:child_process';
import { datasetError } from './dataset-error.js';

export interface VideoClip {
  /** The mp4 file. */
  path: string;
  /** Where the clip starts in the file, seconds. */
  fromTimestamp: number;
  /** Frames to decode. */
  frames: number;
  /** Output size (frames are scaled with area averaging when the video differs). */
  height: number;
  width: number;
  /** ffmpeg binary (default `ffmpeg` on the PATH). */
  ffmpeg?: string;
  /** Names the clip in errors. */
  where: string;
}

/**
 * Decodes `frames` frames from `fromTimestamp` with ffmpeg into (frames, H, W, 3) RGB uint8.
 * ffmpeg handles every codec LeRobot writes (AV1 via libdav1d, H.264, HEVC).
 */
export function decodeVideoClip(clip: VideoClip): Promise<Uint8Array> {
  const frameBytes = clip.height * clip.width * 3;
  const args = [
    '-nostdin',
    '-v',
    'error',
    '-ss',
    clip.fromTimestamp.toFixed(6),
    '-i',
    clip.path,
    '-frames:v',
    String(clip.frames),
    '-vf',
    `scale=${clip.width}:${clip.height}:flags=area`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
  const bin = clip.ffmpeg ?? 'ffmpeg';
  return new Promise((resolve, reject) => {
    const out = new Uint8Array(clip.frames * frameBytes); // (frames, H, W, 3)
    let filled = 0;
    let stderr = '';
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => {
      const n = Math.min(chunk.length, out.length - filled);
      out.set(chunk.subarray(0, n), filled);
      filled += n;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    child.on('error', (cause) => {
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        datasetError(
          missing
            ? `${clip.where}: decoding video needs ffmpeg, which was not found (${bin}); install it (Debian: apt-get install ffmpeg) or leave video features out of decodeImages`
            : `${clip.where}: cannot run ${bin}: ${cause.message}`,
          { path: clip.path },
          { cause },
        ),
      );
    });
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          datasetError(
            `${clip.where}: ffmpeg failed on ${clip.path} (exit ${code}): ${stderr.trim().slice(0, 500)}`,
            { path: clip.path },
          ),
        );
      } else if (filled !== out.length) {
        reject(
          datasetError(
            `${clip.where}: ${clip.path} gave ${Math.floor(filled / frameBytes)} frames from ${clip.fromTimestamp.toFixed(3)} s, expected ${clip.frames}`,
            { path: clip.path, frames: Math.floor(filled / frameBytes), expected: clip.frames },
          ),
        );
      } else resolve(out);
    });
  });
}
