/** Removes persistent sessions a run left on a shared broker (connect with clean=true, leave). */
import mqtt from 'mqtt';

export async function cleanMosquittoSessions(url: string, clientIdBase: string, connections: number): Promise<void> {
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const c = await mqtt.connectAsync(url, { clientId: `${clientIdBase}-${i}`, clean: true, reconnectPeriod: 0, connectTimeout: 5000 });
      await c.endAsync();
    }),
  );
}
