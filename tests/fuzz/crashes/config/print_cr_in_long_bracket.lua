return { deliver = { webhook = "˜?‹‹\\\\\\\\\\\\\\\\\reports\\\\\\ŒÅĞÔuser:pa5ss@hosïïï},ïïïïïïïx" } }
