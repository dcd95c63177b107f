SELECT stress_op();
