-- The request headers headless Chromium sends for an ES module of the page (a page load's
-- thousand requests look like this), for wrk.
wrk.headers["Connection"] = "keep-alive"
wrk.headers["sec-ch-ua-platform"] = "\"Linux\""
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/141.0.0.0 Safari/537.36"
wrk.headers["sec-ch-ua"] = "\"Chromium\";v=\"141\", \"Not?A_Brand\";v=\"8\""
wrk.headers["sec-ch-ua-mobile"] = "?0"
wrk.headers["Accept"] = "*/*"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Sec-Fetch-Mode"] = "cors"
wrk.headers["Sec-Fetch-Dest"] = "script"
wrk.headers["Referer"] = "http://bench.localhost/src/m12.js"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br, zstd"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9"
