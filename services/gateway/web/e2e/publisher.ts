import { spawn, type ChildProcess } from 'node:child_process';

/** A real encoder: ffmpeg publishing a test pattern with a tone (H.264 + AAC over RTMP), as a
 * host's OBS would. Stopped with stop(). */
export function publish(rtmpUrl: string): { stop: () => Promise<void>; process: ChildProcess } {
  const ffmpeg = process.env.SHOPCAST_FFMPEG ?? 'ffmpeg';
  const p = spawn(
    ffmpeg,
    [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-b:v', '800k',
      '-maxrate', '800k', '-bufsize', '1600k', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '96k', '-ar', '48000',
      '-f', 'flv', rtmpUrl,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  p.stderr?.on('data', (d: Buffer) => process.stderr.write(`[ffmpeg] ${d}`));
  return {
    process: p,
    stop: () =>
      new Promise<void>((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGINT');
        setTimeout(() => p.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
