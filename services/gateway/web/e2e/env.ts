// What the harness provides (all required unless a default is given):
//   SHOPCAST_GATEWAY_URL          http://127.0.0.1:<port> of the gateway serving web/dist
//   SHOPCAST_E2E_STREAM_ID        optional: str_… of a LIVE stream of the host (a publisher on it).
//                                 Unset: the host creates the show in the host console and the
//                                 spec publishes to it with ffmpeg (SHOPCAST_FFMPEG, default
//                                 ffmpeg) at the RTMP URL the console shows, or at
//                                 SHOPCAST_E2E_RTMP_SERVER (rtmp://127.0.0.1:<port>/live) if set
//   SHOPCAST_E2E_ADMIN_LOGIN      optional: a ROLE_ADMIN account; then the setup project creates
//   SHOPCAST_E2E_ADMIN_PASSWORD   the product type and grants the host role through the admin UI
//   SHOPCAST_E2E_HOST_LOGIN       username of the host account (ROLE_HOST, or made one by the
//                                 admin setup); it owns SHOPCAST_E2E_STREAM_ID when that is given
//   SHOPCAST_E2E_HOST_PASSWORD
//   SHOPCAST_E2E_VIEWER_LOGIN     two ROLE_VIEWER accounts
//   SHOPCAST_E2E_VIEWER_PASSWORD
//   SHOPCAST_E2E_VIEWER2_LOGIN
//   SHOPCAST_E2E_VIEWER2_PASSWORD
//   SHOPCAST_E2E_PRODUCT_TYPE     name of a product type with a required INTEGER parameter
//                                 labelled "Size", 30..50 (default "E2E Sneakers"); made by the
//                                 admin setup when an admin account is given
//   SHOPCAST_E2E_MAIL_DIR         optional: the directory where the suite's SMTP server stores
//                                 every message it accepts (NNNNNN.json: mail_from, rcpt_tos,
//                                 subject, body, message_id); without it password-reset.spec.ts
//                                 is skipped
//   SHOPCAST_E2E_SCREENSHOT_DIR   where the screenshots go (default: the repository's docs/)
//   SHOPCAST_CHROMIUM             the browser (default /usr/bin/chromium)
import { fileURLToPath } from 'node:url';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (see e2e/env.ts)`);
  return v;
}

export const haveSuite = !!process.env.SHOPCAST_GATEWAY_URL;

export const env = {
  /** A stream the harness runs, or undefined (the spec makes and publishes one). */
  streamId: process.env.SHOPCAST_E2E_STREAM_ID || undefined,
  rtmpServer: process.env.SHOPCAST_E2E_RTMP_SERVER || undefined,
  admin: process.env.SHOPCAST_E2E_ADMIN_LOGIN
    ? { login: process.env.SHOPCAST_E2E_ADMIN_LOGIN, password: need('SHOPCAST_E2E_ADMIN_PASSWORD') }
    : undefined,
  get host() {
    return { login: need('SHOPCAST_E2E_HOST_LOGIN'), password: need('SHOPCAST_E2E_HOST_PASSWORD') };
  },
  get viewer() {
    return { login: need('SHOPCAST_E2E_VIEWER_LOGIN'), password: need('SHOPCAST_E2E_VIEWER_PASSWORD') };
  },
  get viewer2() {
    return { login: need('SHOPCAST_E2E_VIEWER2_LOGIN'), password: need('SHOPCAST_E2E_VIEWER2_PASSWORD') };
  },
  productType: process.env.SHOPCAST_E2E_PRODUCT_TYPE ?? 'E2E Sneakers',
  /** The suite's caught e-mails (one .json per message), or undefined. */
  mailDir: process.env.SHOPCAST_E2E_MAIL_DIR || undefined,
  screenshotDir: process.env.SHOPCAST_E2E_SCREENSHOT_DIR ?? fileURLToPath(new URL('../../../../docs', import.meta.url)),
};
