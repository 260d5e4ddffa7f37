import HTTPTypes
/// `/api/docs/`: a self-contained HTML page (no script, style or font from elsewhere) listing every
/// registered route with its permission, parameters and body fields, from the same specs as the OpenAPI
/// document.
enum APIDocsPage {
    static func render(routes: [RouteSpec], serverURL: String) -> String {
        var tags: [String] = []
        for route in routes where !tags.contains(route.tag) { tags.append(route.tag) }
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Ngenea Hub API</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1em 2em;color:#1d2430}
            h1{margin-bottom:0}h2{border-bottom:1px solid #ccd;margin-top:2em;text-transform:capitalize}
            code,pre{font-family:ui-monospace,monospace;font-size:90%}
            details{border:1px solid #dde;border-radius:6px;margin:.4em 0;padding:.3em .8em}
            summary{cursor:pointer}.m{display:inline-block;min-width:4.5em;font-weight:700;font-family:ui-monospace,monospace}
            .GET{color:#1565c0}.POST{color:#2e7d32}.PATCH{color:#ef6c00}.DELETE{color:#c62828}
            .p{color:#555;font-size:90%}table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #dde;padding:2px 8px;text-align:left}
            nav a{margin-right:1em}
            </style></head><body>
            <h1>Ngenea Hub API</h1>
            <p>Base URL <code>\(escape(serverURL))/api/</code>. Machine-readable: <a href="/api/schema/">OpenAPI document</a>.</p>
            <p>\(escape(OpenAPIDocument.overview))</p>
            <p>Get a token: <code>curl -X POST \(escape(serverURL))/api/auth/token/ -H 'Content-Type: application/json' -d '{"username": "...", "password": "..."}'</code>,
            then send <code>Authorization: Bearer &lt;access&gt;</code>.</p>
            <nav>
            """
        html += tags.map { "<a href=\"#\(escape($0))\">\(escape($0))</a>" }.joined()
        html += "</nav>\n"
        for tag in tags {
            html += "<h2 id=\"\(escape(tag))\">\(escape(tag))</h2>\n"
            for route in routes where route.tag == tag {
                html += "<details><summary><span class=\"m \(route.method.rawValue)\">\(route.method.rawValue)</span> "
                html += "<code>\(escape(route.path))</code> &mdash; \(escape(route.summary))</summary>\n"
                html += "<p class=\"p\">\(escape(OpenAPIDocument.permissionText(route))) Success: \(route.status).</p>\n"
                let parameters = route.pathParameters.map { FieldDoc.string($0, required: true, "Path parameter.") } + route.query
                if !parameters.isEmpty { html += table("Parameters", parameters) }
                if !route.body.isEmpty { html += table("JSON body", route.body) }
                html += "</details>\n"
            }
        }
        html += "</body></html>\n"
        return html
    }

    private static func table(_ title: String, _ fields: [FieldDoc]) -> String {
        var html = "<table><tr><th>\(escape(title))</th><th>type</th><th>required</th><th></th></tr>"
        for field in fields {
            let type = field.items.map { "\(field.type) of \($0)" } ?? field.type
            html += "<tr><td><code>\(escape(field.name))</code></td><td>\(escape(type))</td><td>\(field.required ? "yes" : "")</td>"
            html += "<td>\(escape(field.description))</td></tr>"
        }
        return html + "</table>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
