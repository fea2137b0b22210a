"""Security headers sent on every response, problem documents included (ASVS 5.0 §3.4)."""

# A strict CSP: no inline script or style anywhere in the PWA (docs/security.md §8).
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

# Sent only when the public origin is HTTPS (ASVS 5.0 3.4.1: at least a year); over plain HTTP
# browsers ignore it, and a localhost demo must stay reachable over HTTP.
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
