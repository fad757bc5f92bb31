import { createCookie, redirect } from "@remix-run/node";
import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import { findSessionUser, revokeSession, startSession } from "~/services/sessions.server";
import { verifyLogin } from "~/services/users.server";
import { loginSchema } from "~/validation/auth";
import { getEnv } from "~/utils/env.server";
import { clientIp } from "./request.server";

export type SessionUser = NonNullable<Awaited<ReturnType<typeof findSessionUser>>>;

function sessionCookie() {
  const env = getEnv();
  return createCookie("startline_session", {
    httpOnly: true,
    sameSite: "lax",
    secure: env.secureCookies,
    path: "/",
    secrets: [env.sessionSecret],
    maxAge: env.SESSION_TTL_DAYS * 24 * 60 * 60,
  });
}

export const authenticator = new Authenticator<SessionUser>();

authenticator.use(
  new FormStrategy(async ({ form, request }) => {
    const { email, password } = loginSchema.parse(Object.fromEntries(form));
    return verifyLogin(email, password, clientIp(request));
  }),
  "password",
);

async function sessionIdFrom(request: Request): Promise<string | null> {
  const value: unknown = await sessionCookie().parse(request.headers.get("Cookie"));
  return typeof value === "string" ? value : null;
}

export async function getUser(request: Request) {
  const sessionId = await sessionIdFrom(request);
  return sessionId ? findSessionUser(sessionId) : null;
}

function loginUrl(request: Request) {
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
  return `/login?${params}`;
}

/** The signed-in user, or a redirect to log in that comes back here afterwards. */
export async function requireUser(request: Request) {
  const user = await getUser(request);
  if (!user) throw redirect(loginUrl(request));
  return user;
}

/**
 * The viewer of a live feed that needs only a session (see `liveStream`'s `viewer`): the feed ends when the
 * session does, by logout in another tab, a new login in this browser, a password reset or expiry.
 */
export function sessionViewer(request: Request, user: { id: string }) {
  return { userId: user.id, authorize: () => requireUser(request) };
}

/** Organiser pages: 403 for a signed-in user who is not an organiser. */
export async function requireOrganiser(request: Request) {
  const user = await requireUser(request);
  if (user.role !== "ORGANISER" && user.role !== "OPERATOR") {
    throw new Response("Only organisers can open this page.", { status: 403 });
  }
  return user;
}

/** Operator pages and feeds: only operators know they exist, so anyone else, signed in or not, gets a 404. */
export async function requireOperator(request: Request) {
  const user = await getUser(request);
  if (user?.role !== "OPERATOR") throw new Response("Not found", { status: 404 });
  return user;
}

export async function requireAnonymous(request: Request) {
  if (await getUser(request)) throw redirect("/");
}

/** Starts a new session (a fresh id, the old one revoked) and redirects with its cookie. */
export async function logIn(request: Request, userId: string, redirectTo: string) {
  const session = await startSession(
    userId,
    { ip: clientIp(request), userAgent: request.headers.get("User-Agent") },
    await sessionIdFrom(request),
  );
  return redirect(redirectTo, {
    headers: { "Set-Cookie": await sessionCookie().serialize(session.id, { expires: session.expiresAt }) },
  });
}

export async function logOut(request: Request) {
  const sessionId = await sessionIdFrom(request);
  if (sessionId) await revokeSession(sessionId);
  return redirect("/", {
    headers: { "Set-Cookie": await sessionCookie().serialize("", { maxAge: 0, expires: new Date(0) }) },
  });
}
