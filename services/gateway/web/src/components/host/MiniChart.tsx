/** A small bar chart (SVG) for per-minute series; the numbers are also given as a text summary
 * for screen readers. */
export function MiniChart({ title, points, unit }: { title: string; points: Array<{ label: string; value: number }>; unit: string }) {
  const max = Math.max(1, ...points.map((p) => p.value));
  const last = points.slice(-30);
  const w = 300;
  const h = 70;
  const bw = last.length ? w / last.length : w;
  const total = points.reduce((a, p) => a + p.value, 0);
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">(per minute, last {last.length})</span>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${title}: ${last.map((p) => `${p.label} ${p.value}`).join(', ') || 'no data yet'}`} preserveAspectRatio="none">
        {last.map((p, i) => {
          const bh = (p.value / max) * (h - 4);
          return <rect key={i} x={i * bw + 1} y={h - bh} width={Math.max(1, bw - 2)} height={bh} rx="1.5" />;
        })}
      </svg>
      <p className="muted chart-note">
        max {max === 1 && total === 0 ? 0 : max} {unit}/min
      </p>
    </figure>
  );
}
