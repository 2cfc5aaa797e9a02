" Vim syntax file
" Language:    threadlab scenario (.scn), see threadlab-scenario(5)
" The program is a small C; lines starting with # are directives.

if exists("b:current_syntax")
  finish
endif

syn keyword scnType        int void char
syn keyword scnStructure   struct union
" struct epoll_event, which every scenario has predefined
syn keyword scnType        epoll_event epoll_data
syn keyword scnStorage     const thread_local
syn keyword scnSync        mutex semaphore cond
syn keyword scnStatement   return break continue sizeof
syn keyword scnConditional if else
syn keyword scnRepeat      while do for

" builtins: threads, memory, locks, atomics, coroutines, processes, I/O
syn keyword scnBuiltin print assert spawn join self malloc free
syn keyword scnBuiltin lock unlock trylock sem_wait sem_post
syn keyword scnBuiltin cond_wait cond_signal cond_broadcast atomic_add cas xchg
syn keyword scnBuiltin sleep sched_yield thread_exit exit set_priority ticks
syn keyword scnBuiltin coroutine resume yield co_status co_return make_closure
syn keyword scnBuiltin fork getpid wait
syn keyword scnBuiltin container sethostname gethostname
syn keyword scnBuiltin listen accept read write close set_nonblocking
syn keyword scnBuiltin epoll_create epoll_ctl epoll_wait
syn keyword scnBuiltin connect go go_wait
" the constants every scenario has: epoll's and errno's
syn keyword scnConstant EPOLLIN EPOLLOUT EPOLLERR EPOLLHUP EPOLLET EPOLLONESHOT
syn keyword scnConstant EPOLL_CTL_ADD EPOLL_CTL_DEL EPOLL_CTL_MOD EWOULDBLOCK
syn keyword scnConstant STDIN_FILENO STDOUT_FILENO STDERR_FILENO
syn keyword scnConstant ENOENT EBADF EAGAIN EFAULT EEXIST EINVAL EMFILE EPIPE ENOTSOCK EADDRINUSE ENOTCONN
syn keyword scnConstant ECONNREFUSED

syn match   scnNumber      "\<\d\+\>"
syn match   scnNumber      "\<0[xX]\x\+\>"
syn match   scnEscape      contained "\\[nt\\"0]"
syn region  scnString      start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=scnEscape oneline
syn match   scnChar        "'\\\=.'"
syn region  scnComment     start="/\*" end="\*/" contains=@Spell
syn match   scnComment     "//.*$" contains=@Spell

" directives: the setup, the expectations and the notes
syn match   scnDirective   "^\s*#\(title\|description\|cores\|quantum\|policy\|seed\|switch-cost\|process-switch-cost\|schedule\|expect\|expect-output\|expect-status\|clients\|service\|workers\|include\)\>" nextgroup=scnDirArgs skipwhite
syn match   scnNote        "^\s*#note\>" nextgroup=scnTrigger skipwhite
syn keyword scnTrigger     contained start end tick line event nextgroup=scnNoteText skipwhite
syn match   scnDirArgs     contained ".*$" contains=scnString,scnNumber,scnValue
syn match   scnNoteText    contained ".*$" contains=scnString,scnNumber,scnEventName
syn keyword scnValue       contained rr fifo priority random script ok assert fault deadlock limit
syn keyword scnEventName   contained switch preempt spawn exit block wake lock unlock malloc free print fault assert deadlock
syn keyword scnEventName   contained listen connect accept arrive read write close reply epoll
syn match   scnEventName   contained "\<io-fail\>"
syn keyword scnEventName   contained dial answer go pick park unpark
syn keyword scnEventName   contained container throttle oom

hi def link scnType        Type
hi def link scnStructure   Structure
hi def link scnStorage     StorageClass
hi def link scnSync        Type
hi def link scnStatement   Statement
hi def link scnConditional Conditional
hi def link scnRepeat      Repeat
hi def link scnBuiltin     Function
hi def link scnConstant    Constant
hi def link scnNumber      Number
hi def link scnString      String
hi def link scnEscape      SpecialChar
hi def link scnChar        Character
hi def link scnComment     Comment
hi def link scnDirective   PreProc
hi def link scnNote        PreProc
hi def link scnTrigger     Keyword
hi def link scnValue       Constant
hi def link scnEventName   Constant

let b:current_syntax = "scn"
