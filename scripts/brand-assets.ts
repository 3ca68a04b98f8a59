/**
 * `npx tsx scripts/brand-assets.ts`: writes public/'s favicon, app icons, web manifest and Open Graph image
 * from the drawings below, so the brand changes in one place. The PNGs are rendered by
 * rsvg-convert (Debian: `apt-get install librsvg2-bin`); the outputs are committed, so neither
 * the build nor a contributor needs it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from './lib/ports';
import { ROOT, runCli, say } from './lib/stack';

const BRAND = '#23634f';
const INK = '#16201c';
const BRAND_50 = '#f1f6f4';

/** The header's mark: a white B, drawn as a path so no font is needed to show it, on a 512 square. */
const B = 'M152 112h110c54 0 86 28 86 72 0 29-15 50-40 60 33 8 52 34 52 68 0 52-36 88-98 88H152Zm62 54v72h40c24 0 36-12 36-36s-12-36-36-36Zm0 122v80h46c26 0 38-14 38-40s-12-40-38-40Z';

/** `corner` 0 for Apple's touch icon: iOS rounds it itself and shows transparent corners black. */
function mark(corner: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="${corner}" fill="${BRAND}"/><path fill="#fff" fill-rule="evenodd" d="${B}"/></svg>\n`;
}

const OG = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" viewBox="0 0 1200 630">
  <rect width="1200" height="630" fill="${BRAND_50}"/>
  <rect y="598" width="1200" height="32" fill="${BRAND}"/>
  <svg x="96" y="96" width="128" height="128" viewBox="0 0 512 512"><rect width="512" height="512" rx="112" fill="${BRAND}"/><path fill="#fff" fill-rule="evenodd" d="${B}"/></svg>
  <g font-family="Liberation Sans, Arial, Helvetica, sans-serif" fill="${INK}">
    <text x="90" y="390" font-size="140" font-weight="700" letter-spacing="-3">Billfold</text>
    <text x="96" y="468" font-size="52">Checkout and billing, done correctly</text>
    <text x="96" y="548" font-size="30" fill="${BRAND}">Open source · Stripe and PayPal</text>
  </g>
</svg>
`;

function render(svg: string, width: number, height: number): Buffer {
  try {
    return execFileSync('rsvg-convert', ['--width', String(width), '--height', String(height), '--format', 'png'], { input: svg, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StartupError('rsvg-convert is not installed (Debian: apt-get install librsvg2-bin)');
    throw error;
  }
}

/** An .ico holding PNGs, as every browser since IE 9 reads it: a 6-byte header, a 16-byte entry per image, then the images. */
function ico(images: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, index) => {
    const entry = 6 + 16 * index;
    header.writeUInt8(size % 256, entry); // 0 means 256
    header.writeUInt8(size % 256, entry + 1);
    header.writeUInt16LE(1, entry + 4);
    header.writeUInt16LE(32, entry + 6);
    header.writeUInt32LE(png.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map(({ png }) => png)]);
}

runCli(async () => {
  const out = path.join(ROOT, 'public');
  fs.mkdirSync(out, { recursive: true });
  const icon = mark(112);
  const files: [string, Buffer | string][] = [
    ['icon.svg', icon],
    ['favicon.ico', ico([16, 32, 48].map((size) => ({ size, png: render(icon, size, size) })))],
    ['icon-192.png', render(icon, 192, 192)],
    ['icon-512.png', render(icon, 512, 512)],
    ['apple-touch-icon.png', render(mark(0), 180, 180)],
    ['og.png', render(OG, 1200, 630)],
    [
      'manifest.webmanifest',
      `${JSON.stringify(
        {
          name: 'Billfold',
          short_name: 'Billfold',
          description: 'Checkout and billing, done correctly.',
          start_url: '/',
          theme_color: BRAND,
          background_color: '#ffffff',
          icons: [192, 512].map((size) => ({ src: `/icon-${size}.png`, sizes: `${size}x${size}`, type: 'image/png' })),
        },
        null,
        2,
      )}\n`,
    ],
  ];
  for (const [name, content] of files) {
    fs.writeFileSync(path.join(out, name), content);
    say(`public/${name}: ${Buffer.byteLength(content)} bytes`);
  }
});
