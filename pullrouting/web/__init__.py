"""The browser desk and the gRPC-Web/Connect endpoint of `pullrouting serve --web-listen` (docs/web.md)."""
