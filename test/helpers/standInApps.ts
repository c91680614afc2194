import { generateKeyPairSync, type KeyObject, verify as verifySignature } from 'node:crypto';

/** Installation IDs of the App after the first are the first App's, plus this for each App after it. */
const INSTALLATION_ID_STEP = 1000;

export interface StandInApp {
  appId: number;
  /** PEM, as Secrets Manager would hold it. */
  appPrivateKey: string;
}

/**
 * The GitHub Apps the stand-in knows, all installed on the same accounts: App 1 first, then any a
 * test adds. Each App has its own key, and its own installation IDs for those accounts (App 1's, plus
 * 1000 for App 2, 2000 for App 3…), as GitHub gives every installation its own ID.
 */
export class StandInApps {
  private readonly publicKeys: KeyObject[] = [];
  readonly first: StandInApp;

  constructor() {
    this.first = this.add();
  }

  add(): StandInApp {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKeys.push(publicKey);
    return {
      appId: this.publicKeys.length,
      appPrivateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    };
  }

  /** The App whose valid JWT the authorization header carries (its `iss`), or undefined. */
  appOfJwt(authorization: string): number | undefined {
    const [header, payload, signature] = authorization.replace(/^bearer /i, '').split('.');
    if (!header || !payload || !signature) return undefined;
    const appId = Number(issuerOf(payload));
    const publicKey = this.publicKeys[appId - 1];
    if (!publicKey) return undefined;
    const valid = verifySignature(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    );
    return valid ? appId : undefined;
  }

  /** This App's ID of the installation App 1 knows as `firstAppInstallationId`. */
  installationId(appId: number, firstAppInstallationId: number): number {
    return firstAppInstallationId + (appId - 1) * INSTALLATION_ID_STEP;
  }

  /** The App an installation ID belongs to. */
  appOfInstallation(installationId: number): number {
    return 1 + Math.floor(installationId / INSTALLATION_ID_STEP);
  }
}

function issuerOf(payload: string): unknown {
  try {
    return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: unknown }).iss;
  } catch {
    return undefined;
  }
}
