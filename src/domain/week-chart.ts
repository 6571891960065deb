/**
 * The Home tab's chart of the last seven days: one bar per day for the mails received
 * (blue), and a line for that day's median first response (orange, on its own scale).
 * Labels are in the Home tab's text next to the image, in the reader's language, so the
 * picture itself carries no words. Pure: numbers in, PNG bytes out.
 */
import { Raster } from '../util/png.js';

export interface ChartDay {
  /** The day's first instant. */
  day: Date;
  received: number;
  /** Median first response of the tickets opened that day, in ms; null when none. */
  medianFirstResponseMs: number | null;
}

const BLUE = [54, 123, 206] as const;
const ORANGE = [230, 126, 34] as const;
const GRID = [225, 228, 232] as const;
const AXIS = [140, 146, 153] as const;

export function drawWeekChart(days: readonly ChartDay[], width = 700, height = 260): Buffer {
  const chart = new Raster(width, height);
  const left = 20;
  const right = 20;
  const top = 20;
  const bottom = 20;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  for (let i = 0; i <= 4; i += 1) chart.fillRect(left, top + (plotH * i) / 4, plotW, 1, GRID);
  chart.fillRect(left, top + plotH, plotW, 2, AXIS);
  const maxReceived = Math.max(1, ...days.map((day) => day.received));
  const maxResponse = Math.max(1, ...days.map((day) => day.medianFirstResponseMs ?? 0));
  const slot = plotW / Math.max(1, days.length);
  const points: [number, number][] = [];
  days.forEach((day, i) => {
    const barH = (day.received / maxReceived) * plotH;
    chart.fillRect(left + i * slot + slot * 0.2, top + plotH - barH, slot * 0.6, barH, BLUE);
    if (day.medianFirstResponseMs !== null)
      points.push([left + i * slot + slot / 2, top + plotH - (day.medianFirstResponseMs / maxResponse) * plotH]);
  });
  for (let i = 1; i < points.length; i += 1)
    chart.line(points[i - 1]![0], points[i - 1]![1], points[i]![0], points[i]![1], ORANGE, 3);
  for (const [x, y] of points) chart.fillRect(x - 5, y - 5, 10, 10, ORANGE);
  return chart.toPng();
}
