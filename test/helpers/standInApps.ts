import { generateKeyPairSync, type KeyObject, verify as verifySignature } from 'node:crypto';

/**
 * Installation IDs of the Apps after the first are the first App's plus this for each App after it:
 * far above any ID a test or GitHub's example payloads give the first App.
 */
const INSTALLATION_ID_STEP = 1_000_000_000_000;

export interface StandInApp {
  appId: number;
  /** PEM, as Secrets Manager would hold it. */
  appPrivateKey: string;
}

/**
 * The GitHub Apps the stand-in knows, all installed on the same accounts: App 1 first, then any a
 * test adds. Each App has its own key, and its own installation IDs for those accounts (App 1's, plus
 * 10¹² for App 2, 2 × 10¹² for App 3…), as GitHub gives every installation its own ID.
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

  /**
   * The App whose valid JWT the authorization header carries, or undefined. An `iss` that is no App
   * added here is taken for the first App, whatever ID a test's config gives it.
   */
  appOfJwt(authorization: string): number | undefined {
    const [header, payload, signature] = authorization.replace(/^bearer /i, '').split('.');
    if (!header || !payload || !signature) return undefined;
    const issuer = Number(issuerOf(payload));
    const appId = issuer > 1 && issuer <= this.publicKeys.length ? issuer : 1;
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
