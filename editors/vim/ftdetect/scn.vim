" Vim filetype detection for threadlab scenario files (threadlab-scenario(5)).
autocmd BufNewFile,BufRead *.scn setfiletype scn
