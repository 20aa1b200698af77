def main():
    import sys
    sys.path.insert(0, '/work/main/benchmarks')
    import tasks
    from ngodong_analysis import analysis as A
    ds = tasks.direct_dataset('/work/main/benchmarks/_data/province')
    A.reconcile(ds)


if __name__ == '__main__':
    main()
