// How the desk signs in: an agent token pasted in, or, when the server offers it (its config.json), OpenID Connect
// at the server's issuer: Authorization Code with PKCE (oauth4webapi), the desk a public client. The bearer is
// asked for on every call and on every stream the desk opens; an OIDC access token is renewed with the refresh
// token when three quarters of its lifetime have passed, and the desk then opens its stream again with it (the
// server ends a stream when the token it was opened with expires).
import * as oauth from "oauth4webapi";

export interface OidcConfig {
  issuer: string;
  clientId: string;
}

const PASTED_KEY = "pullrouting.token";
const OIDC_KEY = "pullrouting.oidc";
// The PKCE verifier, state and nonce of a sign-in under way, kept across the trip to the issuer and back.
const PENDING_KEY = "pullrouting.oidc.pending";
const SIGNED_OUT_KEY = "pullrouting.signed-out";
// How soon a renewal that could not reach the issuer is tried again, while the token lasts.
const RENEW_RETRY_MS = 5_000;

/** The server's word on signing in: OpenID Connect where it names an issuer and the desk's client id. */
export async function oidcConfig(): Promise<OidcConfig | null> {
  const response = await fetch(new URL("config.json", location.href), { cache: "no-store" });
  if (!response.ok) return null;
  return ((await response.json()) as { oidc: OidcConfig | null }).oidc;
}

/** The bearer of every call, and how a new one is had. */
export interface Credentials {
  /** Who signed in, as far as the desk can tell without a call: replies kept in the tab go only for them. */
  readonly owner: string;
  token(): string;
  /** Makes a fresh token where the sign-in can (OIDC with a refresh token); false where it cannot. */
  renew(): Promise<boolean>;
  /** `listener` is told after every renewal: a stream carries the token it was opened with. */
  onRenewed(listener: () => void): void;
}

export class PastedToken implements Credentials {
  private constructor(
    private readonly value: string,
    readonly owner: string,
  ) {}

  /** The token, and a digest of it as its owner (the token itself is not copied about). */
  static async of(value: string): Promise<PastedToken> {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
    const hex = [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    return new PastedToken(value, `token ${hex}`);
  }

  static async stored(): Promise<PastedToken | null> {
    const value = sessionStorage.getItem(PASTED_KEY);
    return value ? PastedToken.of(value) : null;
  }

  keep(): void {
    sessionStorage.setItem(PASTED_KEY, this.value);
  }

  token(): string {
    return this.value;
  }

  async renew(): Promise<boolean> {
    return false;
  }

  onRenewed(): void {}
}

/** Forgets the credentials this tab kept. */
export function forgetSignIn(): void {
  for (const key of [PASTED_KEY, OIDC_KEY, PENDING_KEY]) sessionStorage.removeItem(key);
}

/** Forgets the credentials, and says at the sign-in why (the token was refused for good and not renewed). */
export function signOut(why: string): void {
  forgetSignIn();
  sessionStorage.setItem(SIGNED_OUT_KEY, why);
}

export function signedOutReason(): string {
  const why = sessionStorage.getItem(SIGNED_OUT_KEY) ?? "";
  sessionStorage.removeItem(SIGNED_OUT_KEY);
  return why;
}

/** How this tab signed in before a reload, or the issuer's answer it came back with; null when it did not. */
export async function restoreSignIn(config: OidcConfig | null): Promise<Credentials | null> {
  if (config && (OidcIssuer.returning() || sessionStorage.getItem(OIDC_KEY))) {
    const issuer = await OidcIssuer.discover(config);
    return OidcIssuer.returning() ? issuer.finish() : issuer.resume();
  }
  return PastedToken.stored();
}

/** What went wrong signing in, in the issuer's words where it gave them. */
export function signInProblem(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError) {
    return error.error_description ? `${error.error}: ${error.error_description}` : error.error;
  }
  return error instanceof Error ? error.message : String(error);
}

interface Stored {
  // The ID token's issuer and subject.
  owner: string;
  accessToken: string;
  refreshToken: string;
  // When the access token expires, and when the desk renews it (milliseconds since the epoch); 0: not known.
  expiresAt: number;
  renewAt: number;
}

interface Pending {
  codeVerifier: string;
  state: string;
  nonce: string;
}

/** The issuer, as its discovery document describes it, and the desk as its client. */
export class OidcIssuer {
  private constructor(
    private readonly server: oauth.AuthorizationServer,
    private readonly client: oauth.Client,
    // The desk's own address: where the issuer sends the agent back.
    private readonly redirectUri: string,
  ) {}

  static async discover(config: OidcConfig): Promise<OidcIssuer> {
    const issuer = new URL(config.issuer);
    const response = await oauth.discoveryRequest(issuer, { algorithm: "oidc" });
    const server = await oauth.processDiscoveryResponse(issuer, response);
    return new OidcIssuer(server, { client_id: config.clientId }, new URL("./", location.href).href);
  }

  /** Leaves for the issuer's sign-in page, which sends the agent back here with a code. */
  async start(): Promise<never> {
    const pending: Pending = {
      codeVerifier: oauth.generateRandomCodeVerifier(),
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
    };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(this.server.authorization_endpoint ?? "");
    url.search = new URLSearchParams({
      client_id: this.client.client_id,
      redirect_uri: this.redirectUri,
      response_type: "code",
      scope: "openid",
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: "S256",
    }).toString();
    location.assign(url);
    return new Promise<never>(() => {});
  }

  /** The page's address holds the issuer's answer to a sign-in this tab started. */
  static returning(): boolean {
    const parameters = new URLSearchParams(location.search);
    return parameters.has("state") && (parameters.has("code") || parameters.has("error"));
  }

  /** Trades the code in the page's address for tokens (the address is cleaned first: a code is used once). */
  async finish(): Promise<OidcSession> {
    const answer = new URL(location.href);
    history.replaceState(null, "", this.redirectUri);
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null") as Pending | null;
    sessionStorage.removeItem(PENDING_KEY);
    if (!pending) throw new Error("this tab did not start that sign-in");
    const parameters = oauth.validateAuthResponse(this.server, this.client, answer, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      this.server,
      this.client,
      oauth.None(),
      parameters,
      this.redirectUri,
      pending.codeVerifier,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(this.server, this.client, response, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(tokens);
    return new OidcSession(this, stored(tokens, `${claims?.iss} ${claims?.sub}`, ""));
  }

  /** The session this tab kept, renewed first when its token has expired; null when there is none to keep. */
  async resume(): Promise<OidcSession | null> {
    const kept = JSON.parse(sessionStorage.getItem(OIDC_KEY) ?? "null") as Stored | null;
    if (!kept) return null;
    const session = new OidcSession(this, kept);
    if (kept.expiresAt && kept.expiresAt <= Date.now() && !(await session.renew())) return null;
    return session;
  }

  async refresh(kept: Stored): Promise<Stored> {
    const response = await oauth.refreshTokenGrantRequest(this.server, this.client, oauth.None(), kept.refreshToken);
    const tokens = await oauth.processRefreshTokenResponse(this.server, this.client, response);
    return stored(tokens, kept.owner, kept.refreshToken);
  }
}

/** The tokens of a token response; an issuer may keep the refresh token it was given (`previous`). */
function stored(tokens: oauth.TokenEndpointResponse, owner: string, previous: string): Stored {
  const now = Date.now();
  const lifetime = (tokens.expires_in ?? 0) * 1000;
  return {
    owner,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? previous,
    expiresAt: lifetime ? now + lifetime : 0,
    renewAt: lifetime ? now + (lifetime * 3) / 4 : 0,
  };
}

export class OidcSession implements Credentials {
  private renewal: Promise<boolean> | undefined;
  private timer: number | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly issuer: OidcIssuer,
    private tokens: Stored,
  ) {
    this.keep();
  }

  get owner(): string {
    return this.tokens.owner;
  }

  token(): string {
    return this.tokens.accessToken;
  }

  onRenewed(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** One renewal at a time: whoever asks meanwhile gets its outcome. */
  renew(): Promise<boolean> {
    this.renewal ??= this.refresh().finally(() => (this.renewal = undefined));
    return this.renewal;
  }

  private async refresh(): Promise<boolean> {
    if (!this.tokens.refreshToken) return false;
    try {
      this.tokens = await this.issuer.refresh(this.tokens);
    } catch (error) {
      // The issuer could not be reached: again soon, while the token lasts. A refusal (the session ended at
      // the issuer) is final: the desk goes back to its sign-in when the token is refused.
      if (!(error instanceof oauth.ResponseBodyError) && Date.now() + RENEW_RETRY_MS < this.tokens.expiresAt) {
        this.schedule(Date.now() + RENEW_RETRY_MS);
      }
      return false;
    }
    this.keep();
    for (const listener of this.listeners) listener();
    return true;
  }

  private keep(): void {
    sessionStorage.setItem(OIDC_KEY, JSON.stringify(this.tokens));
    if (this.tokens.renewAt) this.schedule(this.tokens.renewAt);
  }

  private schedule(at: number): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.renew(), Math.max(0, at - Date.now()));
  }
}
