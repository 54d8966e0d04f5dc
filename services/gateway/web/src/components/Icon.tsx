// Small inline SVG icons (no emoji: they depend on the system's fonts). Decorative: hidden from
// assistive technology; the text next to them carries the meaning.
const paths: Record<string, string> = {
  users: 'M16 11a4 4 0 1 0-8 0 4 4 0 0 0 8 0Zm-12 9c0-3 4-5 8-5s8 2 8 5v1H4v-1Z',
  clock: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm1 4h-2v6l5 3 1-1.7-4-2.3V7Z',
  up: 'M2 10h4v11H2V10Zm6 11V10l5-8 1 1c.6.6.8 1.4.6 2.2L14 9h6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.6 21H8Z',
  down: 'M22 14h-4V3h4v11ZM16 3v11l-5 8-1-1c-.6-.6-.8-1.4-.6-2.2L10 15H4a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.4 3H16Z',
  bell: 'M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.8V3a1.5 1.5 0 0 0-3 0v1.2A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z',
  cart: 'M7 18a2 2 0 1 0 0 4 2 2 0 0 0 0-4Zm10 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4ZM5.2 4H2V2h4.5l1 2H21l-3.5 8H8.6l-1 2H19v2H4.4l2.3-4.5L5.2 4Z',
  bolt: 'M13 2 4 14h6l-1 8 9-12h-6l1-8Z',
  lock: 'M6 10V8a6 6 0 1 1 12 0v2h1a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V11a1 1 0 0 1 1-1h1Zm2 0h8V8a4 4 0 1 0-8 0v2Z',
  sound: 'M3 9v6h4l5 5V4L7 9H3Zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4ZM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6Z',
  bag: 'M6 7V6a6 6 0 1 1 12 0v1h3v15H3V7h3Zm2 0h8V6a4 4 0 1 0-8 0v1Z',
  play: 'M8 5v14l11-7L8 5Z',
  ticket: 'M3 6h18v4a2 2 0 0 0 0 4v4H3v-4a2 2 0 0 0 0-4V6Zm10 2v2h2V8h-2Zm0 4v2h2v-2h-2Z',
  hourglass: 'M6 2h12v5l-4 5 4 5v5H6v-5l4-5-4-5V2Z',
  dot: 'M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10Z',
  save: 'M5 3h11l4 4v14H4V3h1Zm2 2v5h9V5H7Zm5 8a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z',
  trash: 'M9 3h6l1 2h4v2H4V5h4l1-2Zm-3 6h12l-1 12H7L6 9Z',
  check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4L9 16.2Z',
};

export type IconName = keyof typeof paths;

export function Icon({ name, size = 18, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg className={`icon${className ? ' ' + className : ''}`} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="currentColor" />
    </svg>
  );
}
