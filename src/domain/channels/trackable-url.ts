// Which destinations a tracked link may redirect to.

/** Only http(s) URLs may be tracked destinations (no javascript:, data:, mailto: behind a redirect). */
export const isTrackableUrl = (raw: string): boolean => {
  if (raw.length > 2048) return false;
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
};
