/// The login form (a token for a browser that reaches the server without a proxy) and the error page.
enum LoginPage {
    static func render(message: String?) -> HTML {
        Layout.page(
            title: "Sign in", section: "",
            """
            \(raw: message.map { "<p role=\"alert\">\(plain: $0)</p>" as HTML })
            <form method="post" action="/login">
            <p><label for="token">Read or operator token</label>
            <input id="token" name="token" type="password" autocomplete="off" required></p>
            <p><button type="submit">Sign in</button></p>
            </form>
            <p>The token is kept in an HttpOnly cookie for this site. Behind a reverse proxy, let the proxy
            send <code>Authorization: Bearer TOKEN</code> instead (docs/OPERATIONS.md, Dashboard).</p>
            """)
    }
}

enum ErrorPage {
    static func render(status: Int, message: String) -> HTML {
        Layout.page(title: status == 404 ? "Not found" : "Error", section: "", "<p role=\"alert\">\(message)</p>")
    }
}

/// The overview's live refresh: every 10 seconds, fetch the page again and swap in its `<main>`.
/// Without JavaScript the page is the same, only not refreshed.
enum LiveScript {
    static let source = """
        "use strict";
        (function () {
          var main = document.getElementById("main");
          if (!main || !main.dataset.live || !window.fetch || !window.DOMParser) return;
          setInterval(function () {
            fetch(location.href, { credentials: "same-origin", cache: "no-store" })
              .then(function (r) { return r.ok ? r.text() : null; })
              .then(function (text) {
                if (!text) return;
                var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("main");
                if (fresh) main.innerHTML = fresh.innerHTML;
              })
              .catch(function () { /* the controller restarting: try again next time */ });
          }, 10000);
        })();

        """
}
