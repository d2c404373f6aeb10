/* The libhunspell side of the suggestion bench: what `hunspell -a` runs for each misspelled word.
 * Usage: hunspell_suggest AFF DIC WORDS
 * Prints one line per word, "word<TAB>suggestion<TAB>suggestion...", then
 * "suggest_ns <total>": the thread's CPU time spent in Hunspell_suggest over all words, so that a
 * busy machine does not count another process's turn. */
#include <hunspell/hunspell.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s AFF DIC WORDS\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[3], "rb");
    if (!f) { perror(argv[3]); return 1; }
    Hunhandle *h = Hunspell_create(argv[1], argv[2]);
    if (!h) { fprintf(stderr, "cannot load %s\n", argv[2]); return 1; }
    char line[4096];
    long long total = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        char **list = NULL;
        long long t0 = now_ns();
        int n = Hunspell_suggest(h, &list, line);
        total += now_ns() - t0;
        fputs(line, stdout);
        for (int i = 0; i < n; i++) {
            putchar('\t');
            fputs(list[i], stdout);
        }
        putchar('\n');
        Hunspell_free_list(h, &list, n);
    }
    printf("suggest_ns %lld\n", total);
    fclose(f);
    Hunspell_destroy(h);
    return 0;
}
