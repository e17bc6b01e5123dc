/*
 * Command-line options as data: each command declares one table of rows (name, kind,
 * destination in the command's own struct, accepted range or words, value name, help), and
 * gs_cli_parse() reads argv into that struct, checks every value, writes --help from the table
 * and reports every mistake in one style with exit code 2:
 *
 *     gaitscope: --height: needs a value
 *     gaitscope: --height: 3 is outside [0.5, 2.6] m
 *     gaitscope: analyze: unknown option '--foo' (see gaitscope analyze --help)
 *
 * Options used by several commands (--threads, --start, --end, --force, --quiet, --models,
 * --slowmo, --capture-fps, -o, and the gait/pose ones shared by analyze) are shared rows
 * (gs_cli_opt_*) that a table names with .like, so their ranges are the same everywhere.
 */
#ifndef GS_CLI_OPTS_H
#define GS_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

/** What a row reads. Values are explicit; 0 means "take it from .like". */
typedef enum gs_cli_kind {
    GS_CLI_FLAG = 1,     /* --x: int destination set to 1 */
    GS_CLI_INT = 2,      /* --x N: int in [lo, hi] */
    GS_CLI_NUM = 3,      /* --x V: finite double or float in [lo, hi] ((lo, hi] with lo_open) */
    GS_CLI_STR = 4,      /* --x S: const char *, borrowed from argv */
    GS_CLI_CHOICE = 5,   /* --x W: int destination = the value of the word in .choices */
    GS_CLI_WORD = 6,     /* --x W: const char * destination = the word in .choices (static) */
    GS_CLI_POINT = 7,    /* --x X,Y: two finite numbers in [lo, hi] into at (x) and at2 (y) */
    GS_CLI_INT_LIST = 8, /* --x A,B,...: up to max ints in [lo, hi] into an int array; count at2 */
    GS_CLI_ARG = 9,      /* positional argument: const char * */
    GS_CLI_ARG_LIST = 10 /* positional arguments: up to max into a const char * array; count at2 */
} gs_cli_kind;

/** One accepted word of a CHOICE or WORD row; a table ends with {NULL, 0}. */
typedef struct gs_cli_choice {
    const char *name;
    int value;
} gs_cli_choice;

/** One row of a command's option table. Unset fields are 0 / NULL. */
typedef struct gs_cli_opt {
    /* A shared row this one is: name, alias, kind, range, words, unit and relations come from
     * it; only the destination, .value and .help (when set) and .required (also when the
     * shared row requires it) come from this row. */
    const struct gs_cli_opt *like;
    const char *name;  /* "--height"; NULL for a positional argument */
    const char *alias; /* a second spelling ("--output" for "-o") or NULL */
    gs_cli_kind kind;
    size_t at, size;                /* destination: offset and size in the command's struct */
    size_t at2, size2;              /* POINT: the y destination; lists: the int count */
    size_t flag_at, flag_size;      /* an int set to 1 when the option is given (size 0: none) */
    double lo, hi;                  /* numbers: the accepted range (finite); CHOICE: the values */
    int lo_open;                    /* 1: lo itself is outside the range */
    int max;                        /* lists: most values */
    int required;                   /* 1: the command needs it (positionals and options alike) */
    const gs_cli_choice *choices;   /* CHOICE, WORD: the accepted words, or for CHOICE: */
    const char *(*word)(int value); /* the word of each value in [lo, hi] (a module's name table) */
    int (*check)(const char *value, char *msg, size_t n); /* STR: 0, or -1 and why in msg */
    const char *after;    /* number: must be greater than this option's value */
    const char *not_with; /* the two options exclude each other */
    const char *unit;     /* shown after a range: "m", "s" */
    const char *value;    /* value name in --help: "M", "DIR"; positionals: "VIDEO" */
    const char *help;     /* one phrase, no final full stop */
} gs_cli_opt;

/* Destination of a row: GS_CLI_AT(struct type, member) (nested members as a.b). */
#define GS_CLI_AT(type, member)  .at = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define GS_CLI_AT2(type, member) .at2 = offsetof(type, member), .size2 = sizeof(((type *)0)->member)
#define GS_CLI_FLAG_AT(type, member) \
    .flag_at = offsetof(type, member), .flag_size = sizeof(((type *)0)->member)

/** A command: its name, what it does (lines ending in '\n') and its table. */
typedef struct gs_cli_spec {
    const char *name;
    const char *about;
    const gs_cli_opt *opts;
    size_t n_opts;
    size_t args_size; /* sizeof the struct the table's destinations point into */
} gs_cli_spec;

#define GS_CLI_SPEC(cmd, type, table, text)                                     \
    {                                                                           \
        .name = (cmd), .about = (text), .opts = (table),                        \
        .n_opts = sizeof(table) / sizeof((table)[0]), .args_size = sizeof(type) \
    }

/* gs_cli_parse() result: go on with the command (any other value is the exit code). */
#define GS_CLI_GO (-1)

/**
 * Reads argv[1..argc-1] (argv[0] is the command name) into args, which holds the defaults on
 * entry. --help or -h anywhere prints the help (with those defaults) to stdout and returns
 * GS_EXIT_OK; a mistake prints one line to stderr and returns GS_EXIT_USAGE; a broken table
 * (a programmer error, e.g. a number without an upper bound) returns GS_EXIT_ERROR; else
 * GS_CLI_GO. "--" ends the options; "--name=value" is the same as "--name value". String
 * destinations borrow from argv.
 */
int gs_cli_parse(const gs_cli_spec *spec, int argc, char **argv, void *args);

/** Writes the help generated from spec, showing the defaults held in args. */
void gs_cli_help(const gs_cli_spec *spec, const void *args, FILE *f);

/*
 * Shared rows (opts.c says why each range is what it is). Use as
 * {.like = &gs_cli_opt_threads, GS_CLI_AT(my_args, n_threads)}.
 */
extern const gs_cli_opt gs_cli_opt_threads;     /* --threads N, int */
extern const gs_cli_opt gs_cli_opt_start;       /* --start S, double seconds */
extern const gs_cli_opt gs_cli_opt_end;         /* --end S, double seconds, after --start */
extern const gs_cli_opt gs_cli_opt_slowmo;      /* --slowmo F, double */
extern const gs_cli_opt gs_cli_opt_capture_fps; /* --capture-fps N, double */
extern const gs_cli_opt gs_cli_opt_force;       /* --force, int flag */
extern const gs_cli_opt gs_cli_opt_quiet;       /* --quiet, int flag */
extern const gs_cli_opt gs_cli_opt_models;      /* --models DIR, string */
extern const gs_cli_opt gs_cli_opt_output;      /* -o/--output DIR, string */
extern const gs_cli_opt gs_cli_opt_video;       /* positional VIDEO, string, required */
extern const gs_cli_opt gs_cli_opt_every;       /* --every N, int */
extern const gs_cli_opt gs_cli_opt_model;       /* --model lite|full|heavy, word */
extern const gs_cli_opt gs_cli_opt_person;      /* --person X,Y, two floats or doubles */
extern const gs_cli_opt gs_cli_opt_height;      /* --height M, double */
extern const gs_cli_opt gs_cli_opt_belt_speed;  /* --belt-speed M_S, double */
extern const gs_cli_opt gs_cli_opt_view;        /* --view ..., choice of gs_gait_view_kind */
extern const gs_cli_opt gs_cli_opt_activity;    /* --activity run|walk, gs_gait_activity */
extern const gs_cli_opt gs_cli_opt_setting;     /* --setting ..., gs_gait_setting */
extern const gs_cli_opt gs_cli_opt_history;     /* --history ITEMS, string */
extern const gs_cli_opt gs_cli_opt_rules;       /* --rules FILE, string */

/*
 * The gait stage's options, the same rows in `gait` and `analyze`: base names the member of
 * type holding view, height_m, belt_speed_m_s, activity and setting (gs_gait_options and
 * gs_analyze_options name them alike).
 */
/* clang-format off */
#define GS_CLI_GAIT_ROWS(type, base)                                           \
    {.like = &gs_cli_opt_view, GS_CLI_AT(type, base.view)},                    \
    {.like = &gs_cli_opt_height, GS_CLI_AT(type, base.height_m)},              \
    {.like = &gs_cli_opt_belt_speed, GS_CLI_AT(type, base.belt_speed_m_s)},    \
    {.like = &gs_cli_opt_activity, GS_CLI_AT(type, base.activity)},            \
    {.like = &gs_cli_opt_setting, GS_CLI_AT(type, base.setting)},              \
    {.name = "--events", .kind = GS_CLI_STR, GS_CLI_AT(type, base.events_csv), \
     .value = "FILE", .help = "an edited events.csv (add, delete, move events): strides, " \
     "metrics, findings and the report follow it, and say it was edited by hand"}, \
    {.name = "--swap-legs", .kind = GS_CLI_STR, GS_CLI_AT(type, base.swap_legs), \
     .value = "RANGES", .help = "the tracker labelled the legs the wrong way round: all, or " \
     "time ranges T1-T2[,T3-T4] in seconds; left and right legs are exchanged there"}
/* clang-format on */

/* Bounds of --threads, also for bench's list of thread counts. */
#define GS_CLI_THREADS_MIN 1
#define GS_CLI_THREADS_MAX 64

#endif /* GS_CLI_OPTS_H */
