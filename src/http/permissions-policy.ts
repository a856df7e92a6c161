import type { RequestHandler } from 'express';

/**
 * Powerful browser features, all off for this origin and anything it frames: the pages use none of them, and a
 * script that got in (or a proxied backend's page) must not ask for the camera, location or payment.
 */
const FEATURES_OFF = [
  'accelerometer',
  'autoplay',
  'bluetooth',
  'browsing-topics',
  'camera',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'web-share',
  'xr-spatial-tracking',
];

export const PERMISSIONS_POLICY = FEATURES_OFF.map((f) => `${f}=()`).join(', ');

/** Sends `Permissions-Policy` on every answer (helmet has no option for it). */
export function permissionsPolicy(): RequestHandler {
  return function permissionsPolicyMiddleware(_req, res, next) {
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    next();
  };
}
