"""camdetect train progress lines (camdetect.train.detector.progress_callbacks)."""


def test_progress_lines_end_with_the_final_validation_not_an_extra_epoch(capsys):
    """ultralytics calls on_fit_epoch_end once more after the last epoch (validating best.pt): that is not
    'epoch 3/2, 150 % of the run'."""
    from types import SimpleNamespace

    from camdetect.train.detector import progress_callbacks

    calls: dict = {}
    progress_callbacks(SimpleNamespace(add_callback=lambda event, fn: calls.setdefault(event, fn)))
    trainer = SimpleNamespace(epochs=2, epoch=0, start_epoch=0, metrics={"metrics/mAP50(B)": 0.5}, train_loader=[0] * 4)
    calls["on_train_start"](trainer)
    for epoch in (0, 1):
        trainer.epoch = epoch
        calls["on_fit_epoch_end"](trainer)
    trainer.epoch = 2  # the final validation
    calls["on_fit_epoch_end"](trainer)
    lines = capsys.readouterr().out.strip().splitlines()
    assert "epoch 2/2 done (val mAP50 0.500): 100 % of the run" in lines[1]
    assert lines[2] == "camdetect train: final validation of the best weights (val mAP50 0.500)"
