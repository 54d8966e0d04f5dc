// What the harness provides (all required unless a default is given):
//   SHOPCAST_GATEWAY_URL          http://127.0.0.1:<port> of the gateway serving web/dist
//   SHOPCAST_E2E_STREAM_ID        str_… of a LIVE stream of the host, an ffmpeg publisher on it
//   SHOPCAST_E2E_HOST_LOGIN       username of a ROLE_HOST account that owns the stream
//   SHOPCAST_E2E_HOST_PASSWORD
//   SHOPCAST_E2E_VIEWER_LOGIN     two ROLE_VIEWER accounts
//   SHOPCAST_E2E_VIEWER_PASSWORD
//   SHOPCAST_E2E_VIEWER2_LOGIN
//   SHOPCAST_E2E_VIEWER2_PASSWORD
//   SHOPCAST_E2E_PRODUCT_TYPE     name of a product type (created by an admin) with an INTEGER
//                                 parameter labelled "Size", required, 30..50 (default "E2E Sneakers")
//   SHOPCAST_E2E_SCREENSHOT_DIR   where the screenshots go (default: the repository's docs/)
//   SHOPCAST_CHROMIUM             the browser (default /usr/bin/chromium)
import { resolve } from 'node:path';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (see e2e/env.ts)`);
  return v;
}

export const haveSuite = !!process.env.SHOPCAST_GATEWAY_URL;

export const env = {
  get streamId() {
    return need('SHOPCAST_E2E_STREAM_ID');
  },
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
  screenshotDir: process.env.SHOPCAST_E2E_SCREENSHOT_DIR ?? resolve(__dirname, '../../../../docs'),
};
