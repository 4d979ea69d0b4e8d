return { deliver = { webhook = "https://user:pass@host/x" } }
