// A small grouped bar chart (log scale) as SVG, for latency per scenario. No plotting library:
// the picture is a handful of rectangles.
export interface Series {
  name: string;
  color: string;
  values: number[];
}

export function barChart(title: string, groups: string[], series: Series[], unit: string): string {
  const width = 640;
  const height = 320;
  const left = 56;
  const bottom = 40;
  const top = 40;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const min = Math.max(0.01, Math.min(...all) / 2);
  const max = Math.max(...all) * 1.5;
  const y = (v: number) => top + plotH - ((Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * plotH;
  const groupW = (width - left - 20) / groups.length;
  const barW = (groupW - 20) / series.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${title}</text>`,
  ];
  for (let e = Math.ceil(Math.log10(min)); e <= Math.floor(Math.log10(max)); e++) {
    const v = 10 ** e;
    parts.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v} ${unit}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + 10;
    series.forEach((s, si) => {
      const v = s.values[gi] ?? 0;
      const x = x0 + si * barW;
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barW - 2}" height="${top + plotH - y(v)}" fill="${s.color}"><title>${s.name}: ${v.toFixed(2)} ${unit}</title></rect>`,
      );
    });
    parts.push(`<text x="${x0 + (groupW - 20) / 2}" y="${height - bottom + 16}" text-anchor="middle">${g}</text>`);
  });
  series.forEach((s, si) => {
    parts.push(
      `<rect x="${left + si * 130}" y="${height - 14}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${left + si * 130 + 14}" y="${height - 5}">${s.name}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
