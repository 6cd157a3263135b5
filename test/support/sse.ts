/** Reads a raw SSE response body into frames exactly as they arrive on the wire. */
export async function readFrames(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n\n').filter((frame) => frame.length > 0);
}

export function parseFrame(frame: string): { event: string; data: any } {
  const [eventLine, dataLine] = frame.split('\n');
  return { event: eventLine.replace(/^event: /, ''), data: JSON.parse(dataLine.replace(/^data: /, '')) };
}
