import { randomInt } from 'node:crypto';

/** A small SVG picture of the captcha text with a little noise, as a `data:` URL. */
export function captchaImage(text: string): string {
  const width = 120;
  const height = 40;
  const glyphs = [...text]
    .map((ch, i) => {
      const x = 14 + i * 26;
      const y = 28 + randomInt(-3, 4);
      return `<text x="${x}" y="${y}" transform="rotate(${randomInt(-15, 16)} ${x} ${y})">${ch}</text>`;
    })
    .join('');
  const noise = Array.from(
    { length: 4 },
    () =>
      `<line x1="${randomInt(0, width)}" y1="${randomInt(0, height)}" x2="${randomInt(0, width)}" y2="${randomInt(0, height)}"/>`,
  ).join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="100%" height="100%" fill="#f4f4f4"/>` +
    `<g stroke="#999" stroke-width="1">${noise}</g>` +
    `<g font-family="monospace" font-size="24" font-weight="bold" fill="#333">${glyphs}</g>` +
    `</svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
