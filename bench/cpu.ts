/** CPU time of this process in ms (user + system, every thread): on a shared box, time other tenants took is not counted. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
