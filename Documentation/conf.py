# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration: sphinx-build -W -b html Documentation build/doc
project = "cowstat"
master_doc = "index"
exclude_patterns = ["ABI"]
html_theme = "alabaster"
